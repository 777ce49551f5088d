package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	id := watcher.SnapshotID(text)
	r := watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
		State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)},
		Text: text, Events: []watcher.Event{{ID: id, Type: watcher.ArticleChanged, Time: at, Source: watcher.EventSource{Name: source}}}}
	if err := s.Record(r); err != nil {
		t.Fatal(err)
	}
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
	var st watcher.State
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := sourceBucket(tx, source)
		if b == nil {
			return nil
		}
		n = b.Bucket(bChecks).Stats().KeyN
		return json.Unmarshal(b.Get(kState), &st)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, n
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
	if cs, _ := s.Checks("x", 0); len(cs) != 2 {
		t.Fatalf("%d checks, want 2", len(cs))
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
		if err != nil || len(cs) != rounds {
			t.Fatalf("%s: %d checks (%v), want %d", src, len(cs), err, rounds)
		}
		for j, c := range cs {
			if !c.Time.Equal(t0.Add(time.Duration(j) * time.Minute)) {
				t.Fatalf("%s: check %d at %s, out of order", src, j, c.Time)
			}
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
	if cs, _ := s.Checks("x", 0); len(cs) != 2 {
		t.Fatalf("%d checks waiting, want 2", len(cs))
	}
}
