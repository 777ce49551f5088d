package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// filled writes a database with n snapshots of one source, of a few kilobytes each, closes
// it and returns its path, the texts, and the size its pages take (bbolt's high-water mark:
// the file itself is longer, grown ahead of need).
func filled(t *testing.T, n int) (string, []string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hw.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var texts []string
	at := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	for i := range n {
		// Random words: gzip must not shrink the texts to nothing, so the file has many pages.
		var b strings.Builder
		fmt.Fprintf(&b, "Snapshot %d\n", i)
		for range 600 {
			fmt.Fprintf(&b, "%x ", rnd.Uint32())
		}
		texts = append(texts, b.String())
		record(t, s, "vtv", b.String(), at.Add(time.Duration(i)*time.Hour))
	}
	var used int64
	s.db.View(func(tx *bbolt.Tx) error { used = tx.Size(); return nil })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, texts, used
}

// openSafely opens path and turns a panic into a test failure with the panic's value, so
// that one bad case does not hide the others.
func openSafely(t *testing.T, path string) (s *Store, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("store.Open panicked: %v", p)
		}
	}()
	return Open(path, Options{Timeout: time.Second})
}

// readAll reads everything a check and the commands read, to show that an opened file is
// usable, or fails with an error rather than a crash.
func readAll(s *Store) error {
	snaps, err := s.Snapshots("vtv")
	if err != nil {
		return err
	}
	for _, sn := range snaps {
		if _, err := s.Text("vtv", sn.ID); err != nil {
			return err
		}
	}
	if _, err := s.Events(time.Time{}); err != nil {
		return err
	}
	_, err = s.Checks("vtv", 0)
	return err
}

func TestOpenDamaged(t *testing.T) {
	const page = 4096 // bbolt's page size on this platform; meta pages are 0 and 1
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, size, used int64)
		opens  bool // a damage bbolt is built to survive: the file opens and reads whole
	}{
		{"truncated to 100 bytes", truncate(100), false},
		{"truncated to one page", truncate(page), false},
		{"truncated after the meta pages", truncate(2 * page), false},
		{"truncated to half", func(t *testing.T, path string, size, used int64) { truncate(used/2)(t, path, size, used) }, false},
		{"truncated by one page of data", func(t *testing.T, path string, size, used int64) { truncate(used-page)(t, path, size, used) }, false},
		{"truncated to its pages: only the room grown ahead is lost", func(t *testing.T, path string, size, used int64) {
			truncate(used)(t, path, size, used)
		}, true},
		{"random bytes over both meta pages", scribble(0, 2*page), false},
		{"random bytes over the first meta page", scribble(0, page), true},
		{"random bytes over the second meta page", scribble(page, page), true},
		{"zeros over both meta pages", func(t *testing.T, path string, size, used int64) { overwrite(t, path, 0, make([]byte, 2*page)) }, false},
		{"not a database at all", func(t *testing.T, path string, size, used int64) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("<html><body>not bbolt</body></html>\n"), 1000), 0o600); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _, used := filled(t, 40)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, path, fi.Size(), used)
			s, err := openSafely(t, path)
			if tt.opens {
				if err != nil {
					t.Fatalf("bbolt keeps two meta pages to survive the loss of one, but: %v", err)
				}
				defer s.Close()
				if err := readAll(s); err != nil {
					t.Fatalf("read after open: %v", err)
				}
				return
			}
			if err == nil {
				defer s.Close()
				t.Fatalf("a damaged file (%d of %d bytes) opened", mustSize(t, path), fi.Size())
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file", err)
			}
		})
	}
}

func truncate(n int64) func(t *testing.T, path string, size, used int64) {
	return func(t *testing.T, path string, size, used int64) {
		if err := os.Truncate(path, n); err != nil {
			t.Fatal(err)
		}
	}
}

func scribble(off, n int64) func(t *testing.T, path string, size, used int64) {
	return func(t *testing.T, path string, size, used int64) {
		b := make([]byte, n)
		r := rand.New(rand.NewPCG(uint64(off), uint64(n)))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		overwrite(t, path, off, b)
	}
}

func overwrite(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestFullDisk: a check whose record cannot be written (the disk is full) fails with an
// error, and loses nothing that was written before: the open store still reads it, and so
// does the file reopened once there is room again.
func TestFullDisk(t *testing.T) {
	t.Run("a small tmpfs", func(t *testing.T) {
		dir := t.TempDir()
		// 4 MiB: room for the earlier records and bbolt's growth, not for the big one.
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
			t.Skipf("cannot mount a tmpfs here (%v): the read-only case below stands in", err)
		}
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
		path := filepath.Join(dir, "hw.db")
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { s.Close() }()
		texts := writeSome(t, s, 5)

		// Fill what is left of the file system.
		filler, err := os.Create(filepath.Join(dir, "filler"))
		if err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := filler.Write(chunk); err != nil {
				break // ENOSPC
			}
		}
		filler.Close()

		big := noise(3 << 20) // gzip cannot shrink it: the record needs megabytes
		at := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
		err = s.Record(snapshotRecord("vtv", big, at))
		if err == nil {
			t.Fatal("a 3 MB record went onto a full disk without an error")
		}
		t.Logf("record on a full disk: %v", err)
		intact(t, s, texts)
		// A small record after the failure: it may fit or not, but it must not damage anything.
		smallText := "Snapshot after the failure\nshort"
		small := s.Record(snapshotRecord("vtv", smallText, at.Add(time.Hour)))
		t.Logf("small record on a full disk: %v", small)
		if small == nil {
			texts = append(texts, smallText) // bbolt found room in its free pages
		}
		intact(t, s, texts)
		if err := s.Close(); err != nil {
			t.Logf("close on a full disk: %v", err)
		}

		// Room again: the file reopens with everything it had, and takes new records.
		if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
			t.Fatal(err)
		}
		s, err = Open(path, Options{Timeout: time.Second})
		if err != nil {
			t.Fatalf("reopen after a full disk: %v", err)
		}
		intact(t, s, texts)
		again := "Snapshot once there is room\nagain"
		if err := s.Record(snapshotRecord("vtv", again, at.Add(2*time.Hour))); err != nil {
			t.Fatalf("record once there is room: %v", err)
		}
		intact(t, s, append(texts, again))
	})

	t.Run("a read-only store", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hw.db")
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		texts := writeSome(t, s, 5)
		s.Close()
		ro, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := ro.Record(snapshotRecord("vtv", "refused", time.Now())); err == nil {
			t.Fatal("a read-only store took a record")
		}
		intact(t, ro, texts)
		ro.Close()
		s, err = Open(path, Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		intact(t, s, texts)
	})
}

// writeSome records n snapshots of vtv and returns their texts in order.
func writeSome(t *testing.T, s *Store, n int) []string {
	t.Helper()
	var texts []string
	at := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	for i := range n {
		text := fmt.Sprintf("Snapshot %d\n%s", i, noise(2000))
		record(t, s, "vtv", text, at.Add(time.Duration(i)*time.Hour))
		texts = append(texts, text)
	}
	return texts
}

// noise is n bytes of random hex words.
func noise(n int) string {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "%x ", r.Uint32())
	}
	return b.String()
}

func snapshotRecord(source, text string, at time.Time) watcher.Record {
	id := watcher.SnapshotID(text)
	return watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
		State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)},
		Text: text, Events: []watcher.Event{{ID: id, Type: watcher.ArticleChanged, Time: at, Source: watcher.EventSource{Name: source}}}}
}

// intact checks that the store holds exactly the snapshots, texts, state and events of texts.
func intact(t *testing.T, s *Store, texts []string) {
	t.Helper()
	snaps, err := s.Snapshots("vtv")
	if err != nil || len(snaps) != len(texts) {
		t.Fatalf("%d snapshots (%v), want %d", len(snaps), err, len(texts))
	}
	for i, sn := range snaps {
		if sn.ID != watcher.SnapshotID(texts[i]) {
			t.Fatalf("snapshot %d is %s, want %s", i, sn.ID, watcher.SnapshotID(texts[i]))
		}
		if text, err := s.Text("vtv", sn.ID); err != nil || text != texts[i] {
			t.Fatalf("text of snapshot %d: %v", i, err)
		}
	}
	st, err := s.State("vtv")
	if err != nil || st.Snapshot != watcher.SnapshotID(texts[len(texts)-1]) {
		t.Fatalf("state %+v (%v) does not point at the last snapshot", st, err)
	}
	evs, err := s.Events(time.Time{})
	if err != nil || len(evs) != len(texts) {
		t.Fatalf("%d events (%v), want %d", len(evs), err, len(texts))
	}
}
