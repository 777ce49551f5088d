package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

// ZooOptions are the options a database of History must be opened with.
var ZooOptions = store.Options{Retention: store.Retention{MaxSnapshots: fixture.ZooSnapshots}}

// History fills an empty database with every kind of item a dump holds: the history zoo
// (fixture.Zoo), and the evidence, notifications, archive queue, robots.txt answers and
// demo mark the zoo does not write. It returns the sources as a daemon would list them.
func History(db store.DB) ([]watcher.Source, error) {
	list, err := fixture.Zoo(db, t0)
	if err != nil {
		return nil, err
	}
	when := t0.Add(24 * time.Hour)
	var rs []watcher.Record
	for i := range 4 {
		r := changed("evidence", text(100+i), when.Add(time.Duration(i)*time.Minute))
		r.Capture = capture(r, []byte(fmt.Sprintf("<html>%d</html>", i%2))) // two bodies, each held twice
		r.Screenshot = []byte{0xff, 0xd8, byte(i)}
		p := &figures.Point{Value: float64(100 + i), Snapshot: r.Snapshot.ID, Time: r.Check.Time}
		r.Figures = &figures.Track{Series: []figures.Series{{Subject: "pays", Key: "signatories", Latest: p, History: []figures.Point{*p}}},
			Live: []int{0}, Version: r.Snapshot.ID}
		r.Archive = []watcher.ArchiveJob{{Event: r.Events[0].ID, Source: r.Source, URL: "https://news.example/evidence",
			Snapshot: r.Snapshot.ID, Created: r.Check.Time, NextAttempt: r.Check.Time}}
		for _, ep := range []string{"hook", "slack", "gone"} {
			e := r.Events[0]
			r.Deliveries = append(r.Deliveries, watcher.Delivery{ID: e.ID + "@" + ep, Endpoint: ep, Event: e, Created: e.Time,
				NextAttempt: e.Time, State: watcher.DeliveryPending})
		}
		rs = append(rs, r)
	}
	gone := watcher.Record{Source: "evidence", Check: watcher.Check{Time: when.Add(time.Hour), Status: 410, Result: watcher.ResultGone,
		Snapshot: rs[3].Snapshot.ID}, State: watcher.State{Snapshot: rs[3].Snapshot.ID, Status: watcher.StatusGone, LastCheck: when.Add(time.Hour)},
		Events: []watcher.Event{event(watcher.ArticleGone, "evidence", when.Add(time.Hour), "")}}
	gone.Capture = capture(gone, []byte("<html>Gone</html>"))
	rs = append(rs, gone)
	for _, r := range rs {
		if err := db.Record(r); err != nil {
			return nil, err
		}
	}
	list = append(list, watcher.Source{Name: "evidence", URL: "https://news.example/evidence", Origin: "added"})
	steps := []func() error{
		func() error {
			return db.AddSource(watcher.Added{Name: "evidence", URL: "https://news.example/evidence", Schedule: "@every 1h", Time: when})
		},
		func() error { // one dead on hook, one waiting for its retry
			d, _, err := db.Due("hook", when.Add(time.Hour))
			if err != nil {
				return err
			}
			d.Attempts, d.LastError = 18, "HTTP 400"
			if err := db.Dead(d); err != nil {
				return err
			}
			if d, _, err = db.Due("hook", when.Add(time.Hour)); err != nil {
				return err
			}
			d.Attempts, d.NextAttempt, d.LastError = 2, when.Add(2*time.Hour), "HTTP 503"
			return db.Retry(d)
		},
		func() error { // gone: its queue dead
			d, _, err := db.Due("gone", when.Add(time.Hour))
			if err != nil {
				return err
			}
			d.LastError = "endpoint gone: HTTP 410 Gone"
			return db.MarkGone(d)
		},
		func() error { // a job tried, a job dead
			jobs, err := db.ArchiveJobs()
			if err != nil {
				return err
			}
			jobs[0].Attempts, jobs[0].NextAttempt, jobs[0].LastError = 1, when.Add(3*time.Hour), "HTTP 520"
			jobs[1].Attempts, jobs[1].Dead = 5, true
			if err := db.UpdateArchive(jobs[0]); err != nil {
				return err
			}
			return db.UpdateArchive(jobs[1])
		},
		func() error {
			return db.PutRobots("https://news.example", []byte(`{"body":"User-agent: *\nAllow: /"}`))
		},
		func() error {
			return db.MarkDemo(store.Demo{Site: "http://127.0.0.1:8123", Made: when, Sources: []store.DemoSource{{Name: "fresh", URL: "http://127.0.0.1:8123/fresh"}}})
		},
		db.Flush,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// DumpAll returns the items of every kind, in order.
func DumpAll(t *testing.T, d store.Dumper) map[store.ItemKind][]store.Item {
	t.Helper()
	out := map[store.ItemKind][]store.Item{}
	for _, k := range store.ItemKinds {
		must(t, d.Dump(k, nil, func(it store.Item) error {
			out[k] = append(out[k], it)
			return nil
		}))
	}
	return out
}

func dumper(t *testing.T, db store.DB) store.Dumper {
	t.Helper()
	d, ok := db.(*handle).DB.(store.Dumper)
	if !ok {
		t.Fatalf("%T is no store.Dumper", db.(*handle).DB)
	}
	return d
}

// RunDump checks store.Dumper from one driver to another (or the same): a database of
// History dumps every kind in order and resumes after any item; loaded into an empty one,
// it dumps the same, item by item, and every read of store.DB answers the same; a load
// run again changes nothing; records made after a load follow the loaded ones.
func RunDump(t *testing.T, from, to Opener) {
	src := open(t, from(t), ZooOptions)
	list, err := History(src)
	must(t, err)
	items := DumpAll(t, dumper(t, src))
	for _, k := range store.ItemKinds {
		its := items[k]
		if len(its) == 0 {
			t.Errorf("no %s in the dump of a database with every kind of history", k)
			continue
		}
		for i, it := range its {
			if it.Kind != k {
				t.Errorf("%s: item %d is of kind %s", k, i, it.Kind)
			}
			if i > 0 && !less(its[i-1], it) {
				t.Errorf("%s: %s comes after %s", k, it, its[i-1])
			}
		}
		// Resumed after the first, a middle and the last item: the rest.
		for _, i := range []int{0, len(its) / 2, len(its) - 1} {
			var rest []store.Item
			must(t, dumper(t, src).Dump(k, &its[i], func(it store.Item) error {
				rest = append(rest, it)
				return nil
			}))
			if !sameItems(rest, its[i+1:]) {
				t.Errorf("%s: the dump after item %d holds %d items, want %d", k, i, len(rest), len(its)-i-1)
			}
		}
	}
	dst := open(t, to(t), ZooOptions)
	for _, k := range store.ItemKinds {
		its := items[k]
		for len(its) > 0 {
			n := min(len(its), 7)
			must(t, dumper(t, dst).Load(its[:n]))
			its = its[n:]
		}
	}
	must(t, dumper(t, dst).Load(items[store.ItemCapture])) // again: nothing changes
	must(t, dumper(t, dst).Load(items[store.ItemEvent]))
	copied := DumpAll(t, dumper(t, dst))
	for _, k := range store.ItemKinds {
		a, b := items[k], copied[k]
		if len(a) != len(b) {
			t.Errorf("%s: %d items, the copy %d", k, len(a), len(b))
			continue
		}
		for i := range a {
			if !sameItems(a[i:i+1], b[i:i+1]) {
				t.Errorf("%s: item %d is %s = %.200q, the copy's %s = %.200q", k, i, a[i], a[i].Value, b[i], b[i].Value)
			}
		}
	}
	sameFaces(t, src, dst, list)
	sameCursors(t, src, dst)

	// What follows a load follows the loaded records.
	r := changed("fresh", text(999), t0.Add(48*time.Hour))
	r.Archive = []watcher.ArchiveJob{{Event: r.Events[0].ID, Source: "fresh", URL: "https://news.example/fresh", Created: r.Check.Time, NextAttempt: r.Check.Time}}
	r.Deliveries = []watcher.Delivery{{ID: r.Events[0].ID + "@hook", Endpoint: "hook", Event: r.Events[0], Created: r.Check.Time,
		NextAttempt: r.Check.Time, State: watcher.DeliveryPending}}
	for _, db := range []store.DB{src, dst} {
		must(t, db.Record(r))
	}
	sameFaces(t, src, dst, list)
	evs, _, err := dst.EventsPage(watcher.EventQuery{Source: "fresh", Limit: 1})
	if err != nil || len(evs) != 1 || evs[0].ID != r.Events[0].ID {
		t.Errorf("the newest event of the copy's source after a record: %v, %v", eventIDs(evs), err)
	}
}

// less orders items as dumps list them: by Source, then Key, as bytes.
func less(a, b store.Item) bool {
	if c := bytes.Compare([]byte(a.Source), []byte(b.Source)); c != 0 {
		return c < 0
	}
	return bytes.Compare([]byte(a.Key), []byte(b.Key)) < 0
}

func sameItems(a, b []store.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Source != b[i].Source || a[i].Key != b[i].Key || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// sameFaces compares what every read of store.DB answers on a and b.
func sameFaces(t *testing.T, a, b store.DB, list []watcher.Source) {
	t.Helper()
	read := func(db store.DB) map[string]any {
		out := map[string]any{}
		put := func(name string, v any, err error) {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			out[name] = v
		}
		names, err := db.Names()
		put("Names", names, err)
		for _, s := range append(list, fixture.ZooRemoved) {
			n := s.Name
			st, err := db.State(n)
			put("State "+n, st, err)
			snaps, err := db.Snapshots(n)
			put("Snapshots "+n, snaps, err)
			for _, sn := range snaps {
				text, err := db.Text(n, sn.ID)
				put("Text "+n+" "+sn.ID, text, err)
				img, err := db.Screenshot(n, sn.ID)
				if err != nil && !isNotFound(err) {
					put("Screenshot "+n+" "+sn.ID, nil, err)
				}
				out["Screenshot "+n+" "+sn.ID] = img
			}
			k, first, latest, err := db.SnapshotSpan(n)
			put("SnapshotSpan "+n, []any{k, first, latest}, err)
			checks, err := db.Checks(n, 0)
			put("Checks "+n, checks, err)
			tr, err := db.Figures(n)
			put("Figures "+n, tr, err)
			caps, err := db.Captures(n)
			put("Captures "+n, caps, err)
			evs, next, err := db.EventsPage(watcher.EventQuery{Source: n, Limit: 3})
			put("EventsPage "+n, []any{evs, next != ""}, err)
		}
		evs, err := db.Events(time.Time{})
		put("Events", evs, err)
		for _, typ := range []string{watcher.ArticleNew, watcher.ArticleGone, watcher.CoverageFound} {
			evs, _, err := db.EventsPage(watcher.EventQuery{Types: []string{typ}})
			put("EventsPage "+typ, evs, err)
		}
		var bodies []string
		put("EachCapture", &bodies, db.EachCapture(nil, func(c watcher.Capture) error {
			bodies = append(bodies, c.Source+" "+c.SHA256+" "+string(c.Body))
			return nil
		}))
		added, err := db.AddedSources()
		put("AddedSources", added, err)
		removed, err := db.Removed()
		put("Removed", removed, err)
		cov, err := db.Coverage()
		put("Coverage", cov, err)
		for _, st := range []watcher.DeliveryState{watcher.DeliveryPending, watcher.DeliveryDead} {
			ds, err := db.Deliveries(st)
			put("Deliveries "+string(st), ds, err)
		}
		eps, err := db.Endpoints()
		put("Endpoints", eps, err)
		for _, ep := range eps {
			d, due, err := db.Due(ep, t0.Add(100*time.Hour))
			put("Due "+ep, []any{d, due}, err)
		}
		qs, err := db.QueueStats()
		put("QueueStats", qs, err)
		gone, err := db.GoneEndpoints()
		put("GoneEndpoints", gone, err)
		jobs, err := db.ArchiveJobs()
		put("ArchiveJobs", jobs, err)
		j, ok, err := db.DueArchive(t0.Add(100 * time.Hour))
		put("DueArchive", []any{j, ok}, err)
		robots, err := db.Robots("https://news.example")
		put("Robots", string(robots), err)
		demo, ok, err := db.Demo()
		put("Demo", []any{demo, ok}, err)
		return out
	}
	ra, rb := read(a), read(b)
	for name, v := range ra {
		// An empty list and none are one answer: drivers may give either.
		g, err := json.Marshal(rb[name])
		must(t, err)
		w, err := json.Marshal(v)
		must(t, err)
		if g, w := bytes.ReplaceAll(g, []byte("[]"), []byte("null")), bytes.ReplaceAll(w, []byte("[]"), []byte("null")); !bytes.Equal(g, w) {
			t.Errorf("the copy's %s:\n got %s\nwant %s", name, g, w)
		}
	}
}

// sameCursors checks that an EventsPage cursor of either database asks the other for the
// same page: a client paging the API goes on after a copy.
func sameCursors(t *testing.T, a, b store.DB) {
	t.Helper()
	for _, q := range []watcher.EventQuery{{Limit: 4}, {Source: "edited", Limit: 2}, {Types: []string{watcher.ArticleNew}, Limit: 3}} {
		for _, dir := range []struct {
			name       string
			from, with store.DB
		}{{"the original's cursor on the copy", a, b}, {"the copy's cursor on the original", b, a}} {
			_, next, err := dir.from.EventsPage(q)
			must(t, err)
			if next == "" {
				t.Fatalf("%+v: one page", q)
			}
			q := q
			q.After = next
			want, wnext, err := dir.from.EventsPage(q)
			must(t, err)
			got, gnext, err := dir.with.EventsPage(q)
			if err != nil {
				t.Errorf("%s (%+v): %v", dir.name, q, err)
				continue
			}
			same(t, fmt.Sprintf("%s (%+v)", dir.name, q), eventIDs(got), eventIDs(want))
			if (gnext == "") != (wnext == "") {
				t.Errorf("%s (%+v): next %q, want %q", dir.name, q, gnext, wnext)
			}
		}
	}
}

func isNotFound(err error) bool { return errors.Is(err, watcher.ErrNotFound) }
