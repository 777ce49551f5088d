package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

func TestEventsPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	for i := range 30 {
		src := []string{"a", "b", "c"}[i%3]
		typ := watcher.ArticleChanged
		if i%5 == 0 {
			typ = watcher.FetchFailed
		}
		at := t0.Add(time.Duration(i) * time.Minute)
		err := s.Record(watcher.Record{Source: src, Check: watcher.Check{Time: at, Result: watcher.ResultFailed},
			State: watcher.State{LastCheck: at}, Events: []watcher.Event{{ID: fmt.Sprint(i), Type: typ, Time: at, Source: watcher.EventSource{Name: src}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := func(evs []watcher.Event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	// All of source b, newest first, four a page.
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		evs, next, err := s.EventsPage(watcher.EventQuery{Source: "b", Limit: 4, After: after})
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		got = append(got, ids(evs)...)
		if next == "" {
			break
		}
		after = next
	}
	if want := []string{"28", "25", "22", "19", "16", "13", "10", "7", "4", "1"}; !slices.Equal(got, want) {
		t.Fatalf("source b: %v, want %v", got, want)
	}
	evs, _, err := s.EventsPage(watcher.EventQuery{Types: []string{watcher.FetchFailed}, Since: t0.Add(10 * time.Minute)})
	if want := []string{"25", "20", "15", "10"}; err != nil || !slices.Equal(ids(evs), want) {
		t.Fatalf("failed since 10 min: %v %v, want %v", ids(evs), err, want)
	}
	if _, _, err := s.EventsPage(watcher.EventQuery{After: "x"}); err == nil {
		t.Fatal("a bad cursor is accepted")
	}
	// A schema-3 file has no index: Open builds it.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bSourceEvents); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bSourceEvents); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put([]byte("schema"), []byte("3"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if evs, _, err := s.EventsPage(watcher.EventQuery{Source: "c"}); err != nil || len(evs) != 10 || evs[0].ID != "29" {
		t.Fatalf("after the upgrade: %v %v", ids(evs), err)
	}
}
