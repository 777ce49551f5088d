package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

func open(t testing.TB, dsn string, opt store.Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// changed is the record of a check that found a new text, with its snapshot and event.
func changed(source, text string, at time.Time) watcher.Record {
	id := watcher.SnapshotID(text)
	return watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
		State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)},
		Text: text, Events: []watcher.Event{{ID: source + "-" + id, Type: watcher.ArticleChanged, Time: at, Source: watcher.EventSource{Name: source}}}}
}

func quiet(source string, at time.Time) watcher.Record {
	return watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultUnchanged},
		State: watcher.State{LastCheck: at}}
}

func mustRecord(t testing.TB, db *DB, r watcher.Record) {
	t.Helper()
	if err := db.Record(r); err != nil {
		t.Fatal(err)
	}
}

// TestRecordRuns: changes, unchanged checks and failures make the runs of the check log
// as in the bbolt file, the texts are stored once per source, and retention drops the
// snapshots between the first and the latest with their captures and unused texts.
func TestRecordRuns(t *testing.T) {
	db := open(t, pgtest.DSN(t), store.Options{Retention: store.Retention{MaxSnapshots: 2}})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	failed := func(i int, msg string) watcher.Record {
		return watcher.Record{Source: "x", Check: watcher.Check{Time: at(i), Result: watcher.ResultFailed, Error: msg},
			State: watcher.State{LastCheck: at(i), Failures: 1}}
	}
	if names, err := db.Names(); err != nil || len(names) != 0 {
		t.Fatalf("names of an empty database: %v, %v", names, err)
	}
	mustRecord(t, db, quiet("y", at(0))) // an open run only: no history yet
	mustRecord(t, db, changed("x", "first text", at(0)))
	for i, r := range []watcher.Record{quiet("x", at(1)), quiet("x", at(2)), failed(3, "timeout"), failed(4, "timeout"),
		failed(5, "refused"), quiet("x", at(6))} {
		if err := db.Record(r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	want := []struct {
		first, last int
		result      string
	}{{0, 0, watcher.ResultChanged}, {1, 2, watcher.ResultUnchanged}, {3, 4, watcher.ResultFailed}, {5, 5, watcher.ResultFailed},
		{6, 6, watcher.ResultUnchanged}}
	runs, err := db.Checks("x", 0)
	if err != nil || len(runs) != len(want) {
		t.Fatalf("%d runs (%v), want %d: %+v", len(runs), err, len(want), runs)
	}
	for i, w := range want {
		r := runs[i]
		last := r.Time
		if r.Repeats > 0 {
			last = r.Last
		}
		if r.Result != w.result || !r.Time.Equal(at(w.first)) || !last.Equal(at(w.last)) || r.Repeats != w.last-w.first {
			t.Errorf("run %d = %+v, want %s from minute %d to %d", i, r, w.result, w.first, w.last)
		}
	}
	if runs, _ := db.Checks("x", 2); len(runs) != 2 || runs[0].Error != "refused" || runs[1].Result != watcher.ResultUnchanged {
		t.Errorf("the last 2 runs: %+v", runs)
	}
	if st, err := db.State("x"); err != nil || !st.LastCheck.Equal(at(6)) {
		t.Fatalf("state %+v, %v", st, err)
	}
	if names, err := db.Names(); err != nil || fmt.Sprint(names) != "[x]" {
		t.Fatalf("names %v, %v; want x alone", names, err)
	}

	// Texts A B A C: with at most 2 snapshots, the first and the latest stay, and text B
	// goes with its snapshot and capture; A stays, used by the first.
	for i, text := range []string{"text B", "first text", "text C"} {
		r := changed("x", text, at(10+i))
		body := []byte("<p>" + text + "</p>")
		sum := sha256.Sum256(body)
		r.Capture = &watcher.Capture{Time: at(10 + i), Source: "x", Snapshot: r.Snapshot.ID, SHA256: hex.EncodeToString(sum[:]),
			Size: len(body), Body: body}
		mustRecord(t, db, r)
	}
	n, first, latest, err := db.SnapshotSpan("x")
	if err != nil || n != 2 || first.ID != watcher.SnapshotID("first text") || latest.ID != watcher.SnapshotID("text C") {
		t.Fatalf("span %d %s %s, %v", n, first.ID, latest.ID, err)
	}
	if _, err := db.Text("x", watcher.SnapshotID("text B")); !errors.Is(err, watcher.ErrNotFound) {
		t.Fatalf("text B after retention: %v", err)
	}
	if text, err := db.Text("x", first.ID); err != nil || text != "first text" {
		t.Fatalf("first text: %q, %v", text, err)
	}
	caps, err := db.Captures("x")
	if err != nil || len(caps) != 1 || caps[0].Snapshot != latest.ID {
		t.Fatalf("captures after retention: %+v, %v", caps, err)
	}
	if body, err := db.Body(caps[0].SHA256); err != nil || string(body) != "<p>text C</p>" {
		t.Fatalf("body %q, %v", body, err)
	}
	var bodies int
	if err := db.pool.QueryRow(context.Background(), "SELECT count(*) FROM bodies").Scan(&bodies); err != nil || bodies != 1 {
		t.Fatalf("%d bodies stored (%v), want the kept capture's alone", bodies, err)
	}
}

// TestConcurrentRecords: two DB handles (two daemons) record different sources on one
// database at once; every check lands, in the order each source's were made.
func TestConcurrentRecords(t *testing.T) {
	dsn := pgtest.DSN(t)
	dbs := []*DB{open(t, dsn, store.Options{}), open(t, dsn, store.Options{})}
	const sources, checks = 8, 30
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, sources)
	for s := range sources {
		wg.Go(func() {
			db, name := dbs[s%2], fmt.Sprintf("s%d", s)
			for i := range checks {
				r := quiet(name, t0.Add(time.Duration(i)*time.Minute))
				switch {
				case i%10 == 0:
					r = changed(name, fmt.Sprintf("text %d", i), r.Check.Time)
				case i%3 == 0:
					r.Check.Result, r.Check.Status = watcher.ResultFailed, 500+i
				}
				if err := db.Record(r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, db := range dbs { // the quiet records, for the other handle to read
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for s := range sources {
		name := fmt.Sprintf("s%d", s)
		runs, err := dbs[(s+1)%2].Checks(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		total, prev := 0, time.Time{}
		for _, r := range runs {
			if !r.Time.After(prev) && total > 0 {
				t.Fatalf("%s: runs out of order: %+v", name, runs)
			}
			prev, total = r.Time, total+1+r.Repeats
		}
		if total != checks {
			t.Fatalf("%s: %d checks in the log, want %d", name, total, checks)
		}
		if snaps, _ := dbs[0].Snapshots(name); len(snaps) != checks/10 {
			t.Fatalf("%s: %d snapshots, want %d", name, len(snaps), checks/10)
		}
	}
}

// TestOutboxOrderConcurrent: deliveries queued for one endpoint by concurrent
// transactions of two handles are committed in queue order: every list of the queue a
// reader sees while they are queued is the start of the final one, never one with a
// delivery missing before another (a drainer would have sent that one first).
func TestOutboxOrderConcurrent(t *testing.T) {
	dsn := pgtest.DSN(t)
	dbs := []*DB{open(t, dsn, store.Options{}), open(t, dsn, store.Options{})}
	const writers, each = 6, 15
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	var writing, reading sync.WaitGroup
	errs := make(chan error, writers+1)
	done := make(chan struct{})
	for w := range writers {
		writing.Go(func() {
			db, name := dbs[w%2], fmt.Sprintf("s%d", w)
			for i := range each {
				// Deliveries without their event: the events' own lock (events.go) would
				// order these transactions too.
				r := changed(name, fmt.Sprintf("text %d", i), t0.Add(time.Duration(i)*time.Second))
				r.Deliveries = watcher.Deliveries(routeAll{"hook"}, r.Events[0])
				r.Events = nil
				if err := db.Record(r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var seen [][]string
	reading.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			ds, err := dbs[1].Deliveries(watcher.DeliveryPending)
			if err != nil {
				errs <- err
				return
			}
			ids := make([]string, len(ds))
			for i, d := range ds {
				ids[i] = d.ID
			}
			seen = append(seen, ids)
		}
	})
	writing.Wait()
	close(done)
	reading.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	final, err := dbs[0].Deliveries(watcher.DeliveryPending)
	if err != nil || len(final) != writers*each {
		t.Fatalf("%d deliveries queued (%v), want %d", len(final), err, writers*each)
	}
	for _, ids := range seen {
		for i, id := range ids {
			if final[i].ID != id {
				t.Fatalf("a reader saw %s at place %d of the queue, where %s stands in the end: a delivery committed after one behind it", id, i, final[i].ID)
			}
		}
	}
	t.Logf("%d lists of the queue read while it filled", len(seen))
}

type routeAll []string

func (r routeAll) Route(watcher.Event) []string { return r }

// TestReadOnly: a read-only DB of an empty database says it has no schema; one of a
// database with one reads, refuses every write with an error saying why, and keeps no
// robots.txt answer (as the bbolt file).
func TestReadOnly(t *testing.T) {
	dsn := pgtest.DSN(t)
	if _, err := Open(context.Background(), dsn, store.Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "no hanoiwatch schema") {
		t.Fatalf("read-only Open of an empty database: %v, want the missing schema named", err)
	}
	rw := open(t, dsn, store.Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	mustRecord(t, rw, changed("x", "text", t0))
	ro := open(t, dsn, store.Options{ReadOnly: true})
	if snaps, err := ro.Snapshots("x"); err != nil || len(snaps) != 1 {
		t.Fatalf("read-only Snapshots: %v, %v", snaps, err)
	}
	for name, err := range map[string]error{
		"Record":       ro.Record(quiet("x", t0.Add(time.Minute))),
		"Record full":  ro.Record(changed("x", "other", t0.Add(time.Minute))),
		"AddSource":    ro.AddSource(watcher.Added{Name: "y", URL: "http://127.0.0.1/y"}),
		"RemoveSource": ro.RemoveSource("x"),
		"MarkDemo":     ro.MarkDemo(store.Demo{}),
		"Load":         ro.Load([]store.Item{{Kind: store.ItemRobots, Source: "http://127.0.0.1", Value: []byte("x")}}),
	} {
		if !errors.Is(err, errReadOnly) {
			t.Errorf("%s on a read-only DB: %v, want %v", name, err, errReadOnly)
		}
	}
	if err := ro.PutRobots("http://127.0.0.1", []byte("entry")); err != nil {
		t.Fatal(err)
	}
	if e, err := rw.Robots("http://127.0.0.1"); err != nil || e != nil {
		t.Fatalf("robots.txt entry kept by a read-only DB: %q, %v", e, err)
	}
	// The server refuses writes too, whatever a method would send.
	ctx := context.Background()
	if _, err := ro.pool.Exec(ctx, "DELETE FROM states"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write through a read-only DB's connections: %v", err)
	}
	if cs, _ := rw.Checks("x", 0); len(cs) != 1 {
		t.Fatalf("checks after refused writes: %+v", cs)
	}
}

// TestConnectionLost: when the server ends the connections (a restart, a failover), the
// next call fails with an error naming the database, nothing committed is lost, and the
// calls after it reconnect.
func TestConnectionLost(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := open(t, dsn, store.Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	mustRecord(t, db, changed("x", "text", t0))
	mustRecord(t, db, quiet("x", t0.Add(time.Minute)))
	// A transaction under way when the server ends its connection.
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.Server(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	err = db.write("test", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO robots (origin, entry) VALUES ('http://127.0.0.1', 'lost')"); err != nil {
			return err
		}
		_, err := admin.Exec(ctx, "SELECT pg_terminate_backend($1)", tx.Conn().PgConn().PID())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), db.Path()) {
		t.Fatalf("a transaction whose connection was ended: %v, want an error naming %s", err, db.Path())
	}
	if e, err := db.Robots("http://127.0.0.1"); err != nil || e != nil {
		t.Fatalf("the lost transaction's write: %q, %v", e, err)
	}
	runs, err := db.Checks("x", 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("checks after the lost connection: %+v, %v", runs, err)
	}
	if snaps, err := db.Snapshots("x"); err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots after the lost connection: %+v, %v", snaps, err)
	}
}

// TestDumpLoad: a dump loaded into another database dumps the same, item for item, and
// the copy goes on numbering after the original's numbers.
func TestDumpLoad(t *testing.T) {
	src := open(t, pgtest.DSN(t), store.Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	for i := range 3 {
		r := changed("x", fmt.Sprintf("text %d", i), t0.Add(time.Duration(i)*time.Hour))
		body := []byte(fmt.Sprintf("<p>%d</p>", i%2))
		sum := sha256.Sum256(body)
		r.Capture = &watcher.Capture{Time: r.Check.Time, Source: "x", Snapshot: r.Snapshot.ID, SHA256: hex.EncodeToString(sum[:]), Body: body}
		r.Deliveries = watcher.Deliveries(routeAll{"hook"}, r.Events[0])
		r.Archive = []watcher.ArchiveJob{{Source: "x", URL: "http://127.0.0.1/x", Created: r.Check.Time}}
		mustRecord(t, src, r)
		mustRecord(t, src, quiet("x", r.Check.Time.Add(time.Minute)))
		mustRecord(t, src, quiet("x", r.Check.Time.Add(2*time.Minute)))
	}
	if err := src.AddSource(watcher.Added{Name: "a", URL: "http://127.0.0.1/a", Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := src.RemoveSource("b"); err != nil {
		t.Fatal(err)
	}
	if err := src.PutRobots("http://127.0.0.1", []byte("entry")); err != nil {
		t.Fatal(err)
	}
	if err := src.MarkDemo(store.Demo{Site: "http://127.0.0.1:1", Made: t0}); err != nil {
		t.Fatal(err)
	}
	d, _, _ := src.Due("hook", t0.Add(time.Hour))
	d.LastError = "410"
	if err := src.MarkGone(d); err != nil {
		t.Fatal(err)
	}
	if err := src.Flush(); err != nil {
		t.Fatal(err)
	}
	dump := func(db *DB) []store.Item {
		var out []store.Item
		for _, k := range store.ItemKinds {
			if err := db.Dump(k, nil, func(it store.Item) error { out = append(out, it); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	items := dump(src)
	kinds := map[store.ItemKind]int{}
	for _, it := range items {
		kinds[it.Kind]++
	}
	for _, k := range store.ItemKinds {
		if kinds[k] == 0 && k != store.ItemScreenshot && k != store.ItemFigures && k != store.ItemCoverage {
			t.Errorf("no %s item in the dump", k)
		}
	}
	dst := open(t, pgtest.DSN(t), store.Options{})
	if err := dst.Load(items[:len(items)/2]); err != nil {
		t.Fatal(err)
	}
	if err := dst.Load(items); err != nil { // a resumed copy loads the first half again
		t.Fatal(err)
	}
	copied := dump(dst)
	if len(copied) != len(items) {
		t.Fatalf("%d items copied, %d in the original", len(copied), len(items))
	}
	for i := range items {
		a, b := items[i], copied[i]
		if a.Kind != b.Kind || a.Source != b.Source || a.Key != b.Key || string(a.Value) != string(b.Value) {
			t.Fatalf("item %d: %s %s %s %q, copied as %s %s %s %q", i, a.Kind, a.Source, a.Key, a.Value, b.Kind, b.Source, b.Key, b.Value)
		}
	}
	// Resuming after an item gives the items after it.
	var rest []store.Item
	if err := src.Dump(store.ItemCheck, &items[kinds[store.ItemState]], func(it store.Item) error { rest = append(rest, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rest) != kinds[store.ItemCheck]-1 {
		t.Fatalf("%d checks after the first, want %d", len(rest), kinds[store.ItemCheck]-1)
	}
	// The copy numbers on after the original: a new event comes last.
	mustRecord(t, dst, changed("x", "text 9", t0.Add(9*time.Hour)))
	evs, _ := dst.Events(time.Time{})
	if len(evs) != 4 || evs[3].ID != "x-"+watcher.SnapshotID("text 9") {
		t.Fatalf("events of the copy: %+v", evs)
	}
	if runs, _ := dst.Checks("x", 0); len(runs) != 7 || runs[6].Result != watcher.ResultChanged {
		t.Fatalf("runs of the copy after a change: %+v", runs)
	}
}

// TestStatesTogether: State calls made at once, some read together (see State), each get
// their own source's state, and a source never checked the zero State.
func TestStatesTogether(t *testing.T) {
	db := open(t, pgtest.DSN(t), store.Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	const sources = 40
	for i := range sources {
		mustRecord(t, db, changed(fmt.Sprintf("s%d", i), fmt.Sprintf("text %d", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	var wg sync.WaitGroup
	for round := range 5 {
		for i := range sources + 1 { // s<sources> was never checked
			wg.Go(func() {
				name := fmt.Sprintf("s%d", i)
				st, err := db.State(name)
				want := time.Time{}
				if i < sources {
					want = t0.Add(time.Duration(i) * time.Minute)
				}
				if err != nil || !st.LastCheck.Equal(want) {
					t.Errorf("round %d: State(%s) = last check %v, %v; want %v", round, name, st.LastCheck, err, want)
				}
			})
		}
	}
	wg.Wait()
}

// TestLateFlush: a daemon's quiet record flushed after another daemon recorded a later
// check of the source (its flush was retried, the turn passed to the other) leaves the
// later state in place.
func TestLateFlush(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := open(t, dsn, store.Options{}), open(t, dsn, store.Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	mustRecord(t, a, changed("x", "text", t0))
	mustRecord(t, a, quiet("x", t0.Add(time.Minute))) // waits in a
	later := quiet("x", t0.Add(2*time.Minute))
	later.Check.Result, later.State.ETag = watcher.ResultNotModified, `"v2"`
	mustRecord(t, b, later)
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := b.State("x")
	if err != nil || st.ETag != `"v2"` || !st.LastCheck.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("state after the late flush: %+v, %v; want the later check's", st, err)
	}
}
