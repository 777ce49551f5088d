package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
