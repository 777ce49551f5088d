package storetest

import (
	"slices"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// A check's snapshot, state, check and event are read back, and survive a reopen.
func testRecordAndRead(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	if st, err := db.State("vtv"); err != nil || st.Snapshot != "" || !st.LastCheck.IsZero() {
		t.Fatalf("State of a source never checked = %+v, %v; want the zero State", st, err)
	}
	if snaps, err := db.Snapshots("vtv"); err != nil || len(snaps) != 0 {
		t.Fatalf("Snapshots of a source never checked = %v, %v", snaps, err)
	}
	if n, _, _, err := db.SnapshotSpan("vtv"); err != nil || n != 0 {
		t.Fatalf("SnapshotSpan of a source never checked = %d, %v", n, err)
	}
	if runs, err := db.Checks("vtv", 0); err != nil || len(runs) != 0 {
		t.Fatalf("Checks of a source never checked = %v, %v", runs, err)
	}
	r1, r2 := changed("vtv", text(65), at(0)), changed("vtv", text(72), at(60))
	r2.Snapshot.Date, r2.Snapshot.Author, r2.Snapshot.Removed = "2025-10-25", "Ngọc Anh", 1
	r3 := quiet("vtv", r2.Snapshot.ID, at(120))
	r3.State.ETag, r3.State.BodyHash, r3.State.Regions = `"abc"`, "f00d", []byte(`{"lead":[1,2]}`)
	record(t, db, r1)
	record(t, db, r2)
	record(t, db, r3)
	record(t, db, changed("baotintuc", text(70), at(1)))
	for _, stage := range []string{"open", "reopened"} {
		if stage == "reopened" {
			db = reopen(t, s, db, store.Options{})
		}
		snaps, err := db.Snapshots("vtv")
		must(t, err)
		same(t, stage+": Snapshots, oldest first", snaps, []watcher.Snapshot{*r1.Snapshot, *r2.Snapshot})
		n, first, latest, err := db.SnapshotSpan("vtv")
		must(t, err)
		if n != 2 {
			t.Errorf("%s: SnapshotSpan counts %d snapshots, want 2", stage, n)
		}
		same(t, stage+": SnapshotSpan's first", first, *r1.Snapshot)
		same(t, stage+": SnapshotSpan's latest", latest, *r2.Snapshot)
		for _, r := range []watcher.Record{r1, r2} {
			got, err := db.Text("vtv", r.Snapshot.ID)
			if err != nil || got != r.Text {
				t.Errorf("%s: Text(%s) = %q, %v; want %q", stage, r.Snapshot.ID, got, err, r.Text)
			}
		}
		_, err = db.Text("vtv", "nope")
		notFound(t, stage+": Text of an unknown snapshot", err)
		_, err = db.Text("nobody", r1.Snapshot.ID)
		notFound(t, stage+": Text of an unknown source", err)
		st, err := db.State("vtv")
		must(t, err)
		same(t, stage+": State, the latest record's", st, r3.State)
		runs, err := db.Checks("vtv", 0)
		must(t, err)
		same(t, stage+": Checks", runs, []watcher.Check{r1.Check, r2.Check, r3.Check})
		evs, err := db.Events(time.Time{})
		must(t, err)
		same(t, stage+": Events, oldest first", evs, []watcher.Event{r1.Events[0], r2.Events[0], changed("baotintuc", text(70), at(1)).Events[0]})
		names, err := db.Names()
		must(t, err)
		slices.Sort(names)
		same(t, stage+": Names", names, []string{"baotintuc", "vtv"})
	}
}

// Checks with the outcome of the one before count in its run (Repeats, Last); reads see the
// quiet records at once, and a Flush or a Close writes them.
func testCheckRuns(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	first := changed("x", "first text", at(0))
	id := first.Snapshot.ID
	record(t, db, first)
	for i := 1; i <= 4; i++ {
		record(t, db, quiet("x", id, at(i)))
	}
	if st, err := db.State("x"); err != nil || !st.LastCheck.Equal(at(4)) {
		t.Fatalf("State after 4 quiet records = %+v, %v; want the last one's (minute 4)", st, err)
	}
	must(t, db.Flush())
	for _, r := range []watcher.Record{failed("x", "timeout", at(5)), failed("x", "timeout", at(6)),
		failed("x", "connection refused", at(7)), quiet("x", id, at(8)), quiet("x", id, at(9))} {
		record(t, db, r)
	}
	want := []struct {
		first, last int
		result      string
	}{{0, 0, watcher.ResultChanged}, {1, 4, watcher.ResultUnchanged}, {5, 6, watcher.ResultFailed}, {7, 7, watcher.ResultFailed}, {8, 9, watcher.ResultUnchanged}}
	for _, stage := range []string{"waiting", "flushed", "reopened"} {
		switch stage {
		case "flushed":
			must(t, db.Flush())
		case "reopened":
			db = reopen(t, s, db, store.Options{})
		}
		runs, err := db.Checks("x", 0)
		if err != nil || len(runs) != len(want) {
			t.Fatalf("%s: %d runs (%v), want %d: %+v", stage, len(runs), err, len(want), runs)
		}
		for i, w := range want {
			r := runs[i]
			last := r.Time
			if r.Repeats > 0 {
				last = r.Last
			}
			if r.Result != w.result || !r.Time.Equal(at(w.first)) || !last.Equal(at(w.last)) || r.Repeats != w.last-w.first {
				t.Errorf("%s: run %d = %+v, want %s from minute %d to %d (%d repeats)", stage, i, r, w.result, w.first, w.last, w.last-w.first)
			}
		}
		if runs, err := db.Checks("x", 2); err != nil || len(runs) != 2 || !runs[0].Time.Equal(at(7)) || !runs[1].Time.Equal(at(8)) {
			t.Errorf("%s: Checks(x, 2) = %+v, %v; want the runs of minutes 7 and 8", stage, runs, err)
		}
		if st, err := db.State("x"); err != nil || !st.LastCheck.Equal(at(9)) {
			t.Errorf("%s: State = %+v, %v; want the last record's", stage, st, err)
		}
	}
	// A record that keeps something (here an event) ends the open run: its check is a run
	// of its own even with the same outcome.
	r := quiet("x", id, at(10))
	r.Events = []watcher.Event{event(watcher.ArticleRestored, "x", at(10), id)}
	record(t, db, r)
	record(t, db, quiet("x", id, at(11)))
	runs, err := db.Checks("x", 3)
	must(t, err)
	if len(runs) != 3 || runs[0].Repeats != 1 || !runs[1].Time.Equal(at(10)) || runs[1].Repeats != 0 || !runs[2].Time.Equal(at(11)) {
		t.Errorf("after a record with an event: last runs %+v; want minutes 8-9, 10 alone, 11", runs)
	}
}

// The check log keeps the last store.MaxChecks runs.
func testChecksBounded(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	record(t, db, changed("x", "text", at(0)))
	n := store.MaxChecks + 10
	for i := 1; i < n; i++ {
		// Alternate outcomes: every check is a run.
		r := failed("x", []string{"timeout", "refused"}[i%2], at(i))
		if i%100 == 0 { // some are kept at once, as a snapshot's check is
			r.Events = []watcher.Event{event(watcher.FetchFailed, "x", at(i), "")}
		}
		record(t, db, r)
	}
	for _, stage := range []string{"open", "reopened"} {
		if stage == "reopened" {
			db = reopen(t, s, db, store.Options{})
		}
		runs, err := db.Checks("x", 0)
		must(t, err)
		if len(runs) != store.MaxChecks || !runs[0].Time.Equal(at(n-store.MaxChecks)) || !runs[len(runs)-1].Time.Equal(at(n-1)) {
			t.Fatalf("%s: %d runs from %v to %v; want %d, the last ones (minutes %d to %d)", stage, len(runs),
				runs[0].Time, runs[len(runs)-1].Time, store.MaxChecks, n-store.MaxChecks, n-1)
		}
	}
}

// Retention by count keeps the first and the latest snapshots; a dropped snapshot's text
// (unless another snapshot has it), capture and screenshot go with it; the figures' track
// stays.
func testRetention(t *testing.T, s Storage) {
	db := open(t, s, store.Options{Retention: store.Retention{MaxSnapshots: 3}})
	// Texts 0..5, text 0 again at the end: the first snapshot keeps text 0 anyway.
	seqn := []int{0, 1, 2, 3, 4, 0, 5}
	// The pages as served: a body is kept while a capture holds it, whichever snapshot
	// held it first (K: a dropped snapshot's and a kept one's), and goes with the last
	// (B; C, held by two dropped snapshots).
	bodies := []string{"A", "B", "K", "C", "C", "A", "K"}
	held := map[string]bool{"A": true, "K": true}
	var recs []watcher.Record
	for i, n := range seqn {
		r := changed("x", text(n), at(i))
		r.Capture = capture(r, []byte("<html>"+bodies[i]+"</html>"))
		r.Screenshot = []byte{0xff, 0xd8, byte(i)}
		r.Figures = &figures.Track{Version: r.Snapshot.ID}
		recs = append(recs, r)
		record(t, db, r)
	}
	for _, stage := range []string{"open", "reopened"} {
		if stage == "reopened" {
			db = reopen(t, s, db, store.Options{Retention: store.Retention{MaxSnapshots: 3}})
		}
		snaps, err := db.Snapshots("x")
		must(t, err)
		same(t, stage+": snapshots kept (the first, the latest two)", snaps, []watcher.Snapshot{*recs[0].Snapshot, *recs[5].Snapshot, *recs[6].Snapshot})
		if n, first, latest, err := db.SnapshotSpan("x"); err != nil || n != 3 || first.ID != recs[0].Snapshot.ID || latest.ID != recs[6].Snapshot.ID {
			t.Errorf("%s: SnapshotSpan = %d, %s, %s, %v", stage, n, first.ID, latest.ID, err)
		}
		for i, r := range recs {
			kept := i == 0 || i >= 5
			got, err := db.Text("x", r.Snapshot.ID)
			switch {
			case kept && (err != nil || got != r.Text):
				t.Errorf("%s: text of kept snapshot %d: %q, %v", stage, i, got, err)
			case !kept:
				notFound(t, stage+": text of a dropped snapshot", err)
			}
			img, err := db.Screenshot("x", r.Snapshot.ID)
			want := r.Screenshot
			if i == 0 {
				want = recs[5].Screenshot // the same text: the latest image of it is kept
			}
			if kept && (err != nil || string(img) != string(want)) {
				t.Errorf("%s: screenshot of kept snapshot %d: %x, %v; want %x", stage, i, img, err, want)
			}
			if !kept {
				notFound(t, stage+": screenshot of a dropped snapshot", err)
			}
			body, err := db.Body(r.Capture.SHA256)
			if held[bodies[i]] && (err != nil || string(body) != string(r.Capture.Body)) {
				t.Errorf("%s: body %s of snapshot %d, held by a kept capture: %q, %v", stage, bodies[i], i, body, err)
			}
			if !held[bodies[i]] {
				notFound(t, stage+": body "+bodies[i]+", held by dropped captures only", err)
			}
		}
		caps, err := db.Captures("x")
		must(t, err)
		var ids []string
		for _, c := range caps {
			ids = append(ids, c.Snapshot)
		}
		same(t, stage+": captures kept", ids, []string{recs[0].Snapshot.ID, recs[5].Snapshot.ID, recs[6].Snapshot.ID})
		tr, err := db.Figures("x")
		must(t, err)
		same(t, stage+": figures' track, the latest", tr, *recs[6].Figures)
	}
}

// Retention by age drops the snapshots older than MaxAge, but the first and the latest.
func testRetentionByAge(t *testing.T, s Storage) {
	opt := store.Options{Retention: store.Retention{MaxAge: 48 * time.Hour}}
	db := open(t, s, opt)
	now := time.Now().UTC()
	var recs []watcher.Record
	for i, age := range []time.Duration{10 * 24 * time.Hour, 5 * 24 * time.Hour, 3 * 24 * time.Hour, 24 * time.Hour, time.Hour} {
		r := changed("x", text(i), now.Add(-age))
		recs = append(recs, r)
		record(t, db, r)
	}
	snaps, err := db.Snapshots("x")
	must(t, err)
	same(t, "snapshots kept", snaps, []watcher.Snapshot{*recs[0].Snapshot, *recs[3].Snapshot, *recs[4].Snapshot})
}

// Figures returns the track of the latest snapshot that came with one, the zero Track before.
func testFigures(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	if tr, err := db.Figures("x"); err != nil || tr.Version != "" || len(tr.Series) != 0 {
		t.Fatalf("Figures of a source never stored = %+v, %v", tr, err)
	}
	r := changed("x", text(65), at(0))
	p := &figures.Point{Value: 65, Snapshot: r.Snapshot.ID, Time: at(0)}
	r.Figures = &figures.Track{Series: []figures.Series{{Subject: "pays", Key: "signatories", Latest: p, History: []figures.Point{*p}}},
		Live: []int{0}, Version: r.Snapshot.ID}
	record(t, db, r)
	record(t, db, quiet("x", r.Snapshot.ID, at(1))) // no track: the last one stays
	db = reopen(t, s, db, store.Options{})
	tr, err := db.Figures("x")
	must(t, err)
	same(t, "Figures", tr, *r.Figures)
}

// A read-only handle reads everything and writes nothing: a write is an error, but for
// PutRobots, which keeps nothing and says nothing (serve fetches nothing either).
func testReadOnly(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	r := changed("x", text(65), at(0))
	record(t, db, r)
	must(t, db.Close())
	ro := open(t, s, store.Options{ReadOnly: true})
	if snaps, err := ro.Snapshots("x"); err != nil || len(snaps) != 1 {
		t.Fatalf("read-only Snapshots = %v, %v", snaps, err)
	}
	if got, err := ro.Text("x", r.Snapshot.ID); err != nil || got != r.Text {
		t.Fatalf("read-only Text = %q, %v", got, err)
	}
	writes := map[string]func() error{
		"Record (a change)": func() error { return ro.Record(changed("x", text(72), at(1))) },
		"Record (quiet)":    func() error { return ro.Record(quiet("x", r.Snapshot.ID, at(2))) },
		"AddSource": func() error {
			return ro.AddSource(watcher.Added{Name: "y", URL: "https://news.example/y", Time: at(3)})
		},
		"RemoveSource": func() error { return ro.RemoveSource("x") },
		"MarkDemo":     func() error { return ro.MarkDemo(store.Demo{Site: "http://127.0.0.1:1", Made: at(4)}) },
	}
	for name, write := range writes {
		if err := write(); err == nil {
			t.Errorf("read-only %s: no error", name)
		}
	}
	if err := ro.PutRobots("https://news.example", []byte("entry")); err != nil {
		t.Errorf("read-only PutRobots: %v, want nil (nothing kept)", err)
	}
	if e, err := ro.Robots("https://news.example"); err != nil || e != nil {
		t.Errorf("read-only PutRobots kept %q, %v", e, err)
	}
	ro = reopen(t, s, ro, store.Options{})
	if snaps, err := ro.Snapshots("x"); err != nil || len(snaps) != 1 {
		t.Errorf("after the read-only handle's writes: %d snapshots, %v; want the first one alone", len(snaps), err)
	}
	if added, err := ro.AddedSources(); err != nil || len(added) != 0 {
		t.Errorf("after the read-only handle's writes: added %v, %v", added, err)
	}
}

// Where the driver allows two handles at once, each sees what the other wrote.
func testTwoHandles(t *testing.T, s Storage) {
	if !s.Shared {
		t.Skip("the driver allows one handle at a time")
	}
	a, b := open(t, s, store.Options{}), open(t, s, store.Options{})
	r := changed("x", text(65), at(0))
	record(t, a, r)
	if got, err := b.Text("x", r.Snapshot.ID); err != nil || got != r.Text {
		t.Fatalf("the other handle reads %q, %v", got, err)
	}
	must(t, b.AddSource(watcher.Added{Name: "y", URL: "https://news.example/y", Time: at(1)}))
	if added, err := a.AddedSources(); err != nil || len(added) != 1 || added[0].Name != "y" {
		t.Fatalf("the first handle reads %v, %v", added, err)
	}
	record(t, b, quiet("x", r.Snapshot.ID, at(2)))
	must(t, b.Flush())
	if st, err := a.State("x"); err != nil || !st.LastCheck.Equal(at(2)) {
		t.Fatalf("the other handle's flushed check: State = %+v, %v", st, err)
	}
}
