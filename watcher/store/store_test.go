package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

func open(t *testing.T, path string, opt Options) *Store {
	t.Helper()
	s, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func record(t *testing.T, s *Store, source, text string, at time.Time) {
	t.Helper()
	if err := s.Record(changed(source, text, at)); err != nil {
		t.Fatal(err)
	}
}

// changed is the record of a check that found a new text, with its snapshot and event.
func changed(source, text string, at time.Time) watcher.Record {
	id := watcher.SnapshotID(text)
	return watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
		State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)},
		Text: text, Events: []watcher.Event{{ID: id, Type: watcher.ArticleChanged, Time: at, Source: watcher.EventSource{Name: source}}}}
}

func TestRecordAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	record(t, s, "vtv", "Titre\n65 pays ont signé.", t0)
	record(t, s, "vtv", "Titre\n72 pays ont signé.", t0.Add(time.Hour))
	// An unchanged check adds a check record and no snapshot.
	if err := s.Record(watcher.Record{Source: "vtv", Check: watcher.Check{Time: t0.Add(2 * time.Hour), Result: watcher.ResultUnchanged},
		State: watcher.State{Snapshot: watcher.SnapshotID("Titre\n72 pays ont signé.")}}); err != nil {
		t.Fatal(err)
	}
	snaps, _ := s.Snapshots("vtv")
	checks, _ := s.Checks("vtv", 0)
	if len(snaps) != 2 || len(checks) != 3 {
		t.Fatalf("%d snapshots, %d checks; want 2, 3", len(snaps), len(checks))
	}
	text, err := s.Text("vtv", snaps[0].ID)
	if err != nil || text != "Titre\n65 pays ont signé." {
		t.Fatalf("Text = %q, %v", text, err)
	}
	if _, err := s.Text("vtv", "nope"); !errors.Is(err, watcher.ErrNotFound) {
		t.Fatalf("missing snapshot: %v", err)
	}
	st, _ := s.State("vtv")
	if st.Snapshot != snaps[1].ID {
		t.Fatalf("state %+v", st)
	}
	evs, _ := s.Events(t0.Add(30*time.Minute), watcher.ArticleChanged)
	if len(evs) != 1 || evs[0].ID != snaps[1].ID {
		t.Fatalf("events since: %+v", evs)
	}
	// Reopen: everything is still there.
	s.Close()
	s = open(t, path, Options{})
	if snaps, _ := s.Snapshots("vtv"); len(snaps) != 2 {
		t.Fatalf("after reopen: %d snapshots", len(snaps))
	}
}

func TestContentAddressed(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	t0 := time.Now()
	a, b := "texte A", "texte B"
	for i, txt := range []string{a, b, a} {
		record(t, s, "x", txt, t0.Add(time.Duration(i)*time.Minute))
	}
	snaps, _ := s.Snapshots("x")
	if len(snaps) != 3 || snaps[0].ID != snaps[2].ID {
		t.Fatalf("snapshots %+v", snaps)
	}
	if n := countTexts(t, s, "x"); n != 2 {
		t.Fatalf("%d stored texts for 3 snapshots of 2 texts", n)
	}
}

func countTexts(t *testing.T, s *Store, source string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		n = sourceBucket(tx, source).Bucket(bTexts).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRetention(t *testing.T) {
	tests := []struct {
		name string
		ret  Retention
		want []int // indexes of the kept snapshots among 10, one a day
	}{
		{"max snapshots", Retention{MaxSnapshots: 4}, []int{0, 7, 8, 9}},
		{"max age keeps first and latest", Retention{MaxAge: 36 * time.Hour}, []int{0, 8, 9}},
		{"both", Retention{MaxSnapshots: 2, MaxAge: 100 * 24 * time.Hour}, []int{0, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{Retention: tt.ret})
			t0 := time.Now().Add(-9 * 24 * time.Hour)
			for i := 0; i < 10; i++ {
				record(t, s, "x", fmt.Sprintf("version %d", i), t0.Add(time.Duration(i)*24*time.Hour))
			}
			snaps, _ := s.Snapshots("x")
			var got []int
			for _, sn := range snaps {
				text, err := s.Text("x", sn.ID)
				if err != nil {
					t.Fatal(err)
				}
				var i int
				fmt.Sscanf(text, "version %d", &i)
				got = append(got, i)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("kept %v, want %v", got, tt.want)
			}
			if n := countTexts(t, s, "x"); n != len(tt.want) {
				t.Fatalf("%d texts stored for %d snapshots", n, len(tt.want))
			}
		})
	}
}

func TestChecksBounded(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	for i := 0; i < MaxChecks+25; i++ {
		if err := s.Record(watcher.Record{Source: "x", Check: watcher.Check{Result: watcher.ResultUnchanged, Status: i}}); err != nil {
			t.Fatal(err)
		}
	}
	checks, _ := s.Checks("x", 0)
	if len(checks) != MaxChecks || checks[0].Status != 25 {
		t.Fatalf("%d checks, first status %d", len(checks), checks[0].Status)
	}
}

func TestLockedFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	open(t, path, Options{})
	start := time.Now()
	_, err := Open(path, Options{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("second open hung for %s", time.Since(start))
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600)
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("open junk: %v", err)
	}
}

// quiet is the record of an unchanged check of source at.
func quiet(source string, at time.Time) watcher.Record {
	return watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultUnchanged},
		State: watcher.State{LastCheck: at}}
}

// onDisk reads a source's state and number of checks from the file, not through the
// waiting records.
func onDisk(t *testing.T, s *Store, source string) (watcher.State, int) {
	t.Helper()
	var e stateEntry
	var runs []watcher.Check
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		if b := sourceBucket(tx, source); b != nil {
			if err := eachJSON(b.Bucket(bChecks), func(c watcher.Check) { runs = append(runs, c) }); err != nil {
				return err
			}
		}
		e, err = readEntry(tx, source)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.Run != nil {
		runs = append(runs, *e.Run)
	}
	return e.State, count(runs)
}

// count is the number of checks in runs of the check log.
func count(runs []watcher.Check) int {
	n := 0
	for _, r := range runs {
		n += 1 + r.Repeats
	}
	return n
}

// Quiet records wait for a flush, are seen by reads meanwhile, go to disk before a later
// record of their source, and survive Close.
func TestQuietRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	record(t, s, "x", "first text", t0)
	if err := s.Record(quiet("x", t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if st, err := s.State("x"); err != nil || !st.LastCheck.Equal(t0.Add(time.Minute)) {
		t.Fatalf("state %+v (%v): the waiting record is not seen", st, err)
	}
	if cs, _ := s.Checks("x", 0); count(cs) != 2 {
		t.Fatalf("%d checks, want 2", count(cs))
	}
	if st, n := onDisk(t, s, "x"); n != 1 || !st.LastCheck.Equal(t0) {
		t.Fatalf("on disk before a flush: %d checks, state %+v", n, st)
	}

	// A record that must be kept takes the waiting ones of its source with it, first.
	record(t, s, "x", "second text", t0.Add(2*time.Minute))
	if st, n := onDisk(t, s, "x"); n != 3 || !st.LastCheck.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("on disk after a change: %d checks, state %+v", n, st)
	}

	// The timer flushes.
	if err := s.Record(quiet("y", t0)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * FlushDelay)
	for {
		if _, n := onDisk(t, s, "y"); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a quiet record was never flushed")
		}
		time.Sleep(FlushDelay / 10)
	}

	// A full batch is written at once, not a FlushDelay later.
	start := time.Now()
	for i := range flushBatch {
		if err := s.Record(quiet(fmt.Sprintf("b%d", i), t0)); err != nil {
			t.Fatal(err)
		}
	}
	for {
		if _, n := onDisk(t, s, "b0"); n == 1 {
			break
		}
		// The timer of the batch's first record fires a FlushDelay after it: a batch still
		// not on disk by then waited for it. (Half of that, before, failed on a machine
		// loaded with 20 processes per core.)
		if time.Since(start) >= FlushDelay {
			t.Fatalf("a batch of %d quiet records waits for the timer", flushBatch)
		}
		time.Sleep(FlushDelay / 100)
	}

	// Close flushes.
	if err := s.Record(quiet("z", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, Options{})
	if st, n := onDisk(t, s, "z"); n != 1 || !st.LastCheck.Equal(t0) {
		t.Fatalf("after Close: %d checks, state %+v", n, st)
	}
}

// Many sources recorded at once, quiet and not, while flushes run: each source's checks
// reach the file in order, and its state is its last record's.
func TestQuietRecordsConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const sources, rounds = 8, 60
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	stop := make(chan struct{})
	var flushes sync.WaitGroup
	flushes.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				if err := s.Flush(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	var wg sync.WaitGroup
	for i := range sources {
		src := fmt.Sprintf("s%d", i)
		wg.Go(func() {
			for j := range rounds {
				at := t0.Add(time.Duration(j) * time.Minute)
				var err error
				if j%7 == 3 {
					err = s.Record(snapshotRecord(src, fmt.Sprintf("text %d", j), at))
				} else {
					err = s.Record(quiet(src, at))
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	flushes.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, Options{})
	for i := range sources {
		src := fmt.Sprintf("s%d", i)
		cs, err := s.Checks(src, 0)
		if err != nil || count(cs) != rounds {
			t.Fatalf("%s: %d checks (%v), want %d", src, count(cs), err, rounds)
		}
		j := 0 // the round of the run's first check
		for _, c := range cs {
			last := c.Time
			if c.Repeats > 0 {
				last = c.Last
			}
			if !c.Time.Equal(t0.Add(time.Duration(j)*time.Minute)) || !last.Equal(t0.Add(time.Duration(j+c.Repeats)*time.Minute)) {
				t.Fatalf("%s: run %+v, want rounds %d to %d: out of order", src, c, j, j+c.Repeats)
			}
			j += 1 + c.Repeats
		}
		if st, _ := s.State(src); !st.LastCheck.Equal(t0.Add((rounds - 1) * time.Minute)) {
			t.Fatalf("%s: state %+v is not the last record's", src, st)
		}
	}
}

// A flush that fails keeps its records and reports the error to the next quiet record.
func TestQuietRecordsFlushError(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	if err := s.Record(quiet("x", time.Now())); err != nil {
		t.Fatal(err)
	}
	s.db.Close() // the file is gone from under the store
	s.flushLater()
	err := s.Record(quiet("x", time.Now()))
	if err == nil || !strings.Contains(err.Error(), "writing") {
		t.Fatalf("after a failed flush: %v", err)
	}
	if cs, _ := s.Checks("x", 0); count(cs) != 2 {
		t.Fatalf("%d checks waiting, want 2", count(cs))
	}
}

// The check log keeps runs: a check with the outcome of the one before counts in the latest
// run. An unchanged check writes only the states bucket, even the first after a change.
func TestCheckRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	failed := func(i int, msg string) watcher.Record {
		return watcher.Record{Source: "x", Check: watcher.Check{Time: at(i), Result: watcher.ResultFailed, Error: msg},
			State: watcher.State{LastCheck: at(i), Failures: 1}}
	}
	record(t, s, "x", "first text", at(0))
	seq := func() (n uint64) {
		s.db.View(func(tx *bbolt.Tx) error {
			n = sourceBucket(tx, "x").Bucket(bChecks).Sequence()
			return nil
		})
		return n
	}
	kept := seq()
	for i := 1; i <= 4; i++ {
		if err := s.Record(quiet("x", at(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	var logged int
	s.db.View(func(tx *bbolt.Tx) error {
		logged = sourceBucket(tx, "x").Bucket(bChecks).Stats().KeyN
		return nil
	})
	if logged != 1 || seq() != kept {
		t.Fatalf("%d runs in the source's bucket after 4 unchanged checks (sequence %d, was %d), want the changed check's alone: the unchanged ones are one run among the states", logged, seq(), kept)
	}
	for i, r := range []watcher.Record{failed(5, "timeout"), failed(6, "timeout"), failed(7, "connection refused"), quiet("x", at(8)), quiet("x", at(9))} {
		if err := s.Record(r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	want := []struct {
		first, last int
		result      string
	}{{0, 0, watcher.ResultChanged}, {1, 4, watcher.ResultUnchanged}, {5, 6, watcher.ResultFailed}, {7, 7, watcher.ResultFailed}, {8, 9, watcher.ResultUnchanged}}
	for _, stage := range []string{"waiting", "flushed", "reopened"} {
		switch stage {
		case "flushed":
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
		case "reopened":
			s.Close()
			s = open(t, path, Options{})
		}
		runs, err := s.Checks("x", 0)
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
				t.Errorf("%s: run %d = %+v, want %s from minute %d to %d", stage, i, r, w.result, w.first, w.last)
			}
		}
		if runs, _ := s.Checks("x", 2); len(runs) != 2 || runs[1].Result != watcher.ResultUnchanged {
			t.Errorf("%s: the last 2 runs: %+v", stage, runs)
		}
	}
}

// A file of schema 1 (states in the source buckets) is upgraded at open, its history kept.
func TestUpgradeSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		m, _ := tx.CreateBucket(bMeta)
		m.Put([]byte("schema"), []byte("1"))
		src, _ := tx.CreateBucket(bSources)
		x, _ := src.CreateBucket([]byte("x"))
		for _, b := range [][]byte{bSnaps, bTexts, bChecks} {
			x.CreateBucket(b)
		}
		for i := range 3 {
			appendJSON(x.Bucket(bChecks), watcher.Check{Time: t0.Add(time.Duration(i) * time.Minute), Result: watcher.ResultUnchanged})
		}
		return putJSON(x, kState, watcher.State{Snapshot: "abc", LastCheck: t0.Add(2 * time.Minute), Failures: 2})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "schema 1") {
		t.Fatalf("read-only open of a schema-1 file: %v", err)
	}
	s := open(t, path, Options{})
	if st, err := s.State("x"); err != nil || st.Snapshot != "abc" || st.Failures != 2 || !st.LastCheck.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("upgraded state %+v (%v)", st, err)
	}
	if cs, err := s.Checks("x", 0); err != nil || count(cs) != 3 {
		t.Fatalf("upgraded check log: %+v (%v)", cs, err)
	}
	if err := s.Record(quiet("x", t0.Add(3*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Checks("x", 0); count(cs) != 4 {
		t.Fatalf("after one more check: %+v", cs)
	}
	s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bMeta).Get([]byte("schema")); string(v) != strconv.Itoa(Schema) {
			t.Errorf("schema %q after the upgrade", v)
		}
		if sourceBucket(tx, "x").Get(kState) != nil {
			t.Error("the schema-1 state is still in the source's bucket")
		}
		return nil
	})
}

// TestUpgradeSchema2: the JSON states of a schema-2 file become CBOR, every field as it was
// (times to the nanosecond, in their zone).
func TestUpgradeSchema2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	at := time.Date(2025, 10, 26, 8, 0, 0, 123456789, time.FixedZone("ICT", 7*3600))
	want := stateEntry{
		State: watcher.State{ETag: `"e"`, LastModified: "Sun, 26 Oct 2025 01:00:00 GMT", BodyHash: "h", Snapshot: "abc",
			Lang: "vi", Status: "failing", Failures: 3, Alerted: true, Suspects: 1, LastCheck: at, LastChange: at.Add(-time.Hour),
			LastError: "GET: timeout", RetryAt: at.Add(time.Minute), Regions: json.RawMessage(`[{"tag":"div","nth":2}]`),
			Fingerprint: "f", FastChecks: 5, FullAt: at.Add(-time.Minute)},
		Run: &watcher.Check{Time: at, Status: 200, Duration: 1500 * time.Microsecond, Bytes: 71549, Result: watcher.ResultUnchanged, Repeats: 4, Last: at.Add(time.Second)},
	}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		m, _ := tx.CreateBucket(bMeta)
		m.Put([]byte("schema"), []byte("2"))
		st, _ := tx.CreateBucket(bStates)
		return putJSON(st, []byte("x"), want)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "schema 2") {
		t.Fatalf("read-only open of a schema-2 file: %v", err)
	}
	s := open(t, path, Options{})
	s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bStates).Get([]byte("x")); json.Valid(v) {
			t.Errorf("the state is still JSON: %s", v)
		}
		got, err := readEntry(tx, "x")
		if err != nil {
			t.Fatal(err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("upgraded state\n%s\nwant\n%s", g, w)
		}
		return nil
	})
}

func TestDemoMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	if _, demo, err := s.Demo(); demo || err != nil {
		t.Fatalf("a new database: Demo = %v, %v", demo, err)
	}
	want := Demo{Site: "http://127.0.0.1:4242", Made: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC),
		Sources: []DemoSource{{Name: "vtv", URL: "http://127.0.0.1:4242/vtv.html"}}}
	if err := s.MarkDemo(want); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// The mark is in the file, and a read-only opening sees it.
	s = open(t, path, Options{ReadOnly: true})
	got, demo, err := s.Demo()
	if !demo || err != nil || got.Site != want.Site || !got.Made.Equal(want.Made) || len(got.Sources) != 1 || got.Sources[0] != want.Sources[0] {
		t.Errorf("Demo = %+v, %v, %v; want %+v", got, demo, err, want)
	}
}
