package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/watcher"
)

// TestScreenshots: an image is stored with its snapshot, read back by id, kept across a
// reopen, and dropped with its text by retention.
func TestScreenshots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{Retention: Retention{MaxSnapshots: 2}})
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 4 {
		r := changed("spa", fmt.Sprintf("version %d", i), t0.Add(time.Duration(i)*time.Hour))
		r.Screenshot = []byte(fmt.Sprintf("\xff\xd8 image %d", i))
		if err := s.Record(r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Snapshot.ID)
	}
	// A snapshot without an image (a rendered source without screenshot: true).
	if err := s.Record(changed("spa", "version 4", t0.Add(4*time.Hour))); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path, Options{ReadOnly: true})
	for i, id := range ids {
		img, err := s.Screenshot("spa", id)
		switch i {
		case 0: // the first snapshot is always kept
			if !bytes.Equal(img, []byte("\xff\xd8 image 0")) {
				t.Fatalf("screenshot 0: %q, %v", img, err)
			}
		default: // dropped by retention (2 snapshots: the first and the latest)
			if !errors.Is(err, watcher.ErrNotFound) {
				t.Fatalf("screenshot %d after retention: %q, %v", i, img, err)
			}
		}
	}
	if _, err := s.Screenshot("spa", watcher.SnapshotID("version 4")); !errors.Is(err, watcher.ErrNotFound) {
		t.Fatalf("snapshot without an image: %v", err)
	}
	if _, err := s.Screenshot("nobody", ids[0]); !errors.Is(err, watcher.ErrNotFound) {
		t.Fatalf("unknown source: %v", err)
	}
}
