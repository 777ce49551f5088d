package report

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/store"
)

// list is a watch list in memory, planned as the daemon plans.
type list []watcher.Source

func (l list) Sources() ([]watcher.Source, error)           { return l, nil }
func (l list) Next(watcher.Source, watcher.State) time.Time { return time.Time{} }

// newsroom builds a store of n sources with five snapshots each, their figures recorded
// as the pipeline records them.
func newsroom(b *testing.B, n int) (*Service, list) {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	x := article.Figures()
	var l list
	at := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	for i := range n {
		name := fmt.Sprintf("a%d", i)
		l = append(l, watcher.Source{Name: name, URL: "https://news.example/" + name})
		var t figures.Track
		for v := range 5 {
			at = at.Add(time.Second)
			text := fmt.Sprintf("Titre %d\nAu total, %d pays ont signé la Convention.\nPlus de 2 500 délégués et %d délégations.", i, 65+v, 100+v)
			id := watcher.SnapshotID(text)
			t = x.Follow(t, figures.Version{ID: id, Time: at, Text: text, Lang: "fr"})
			tr := t
			err := st.Record(watcher.Record{Source: name, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
				State:    watcher.State{Snapshot: id, Status: watcher.StatusOK, LastCheck: at, LastChange: at, Lang: "fr"},
				Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text), Lang: "fr"}, Text: text, Figures: &tr,
				Events: []watcher.Event{{ID: name + id, Type: watcher.ArticleChanged, Time: at, Source: watcher.EventSource{Name: name}, Snapshot: id}}})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	return &Service{Store: st, List: l, Extractor: x, Discovered: st}, l
}

// BenchmarkFaces times the read models on 300 sources of five snapshots each: the answer
// per question, and per source for the lists.
func BenchmarkFaces(b *testing.B) {
	s, _ := newsroom(b, 300)
	for _, q := range []struct {
		name string
		f    func() error
	}{
		{"Sources", func() error { _, err := s.Sources(); return err }},
		{"Board", func() error { _, err := s.Board(); return err }},
		{"Coverage", func() error { _, err := s.Coverage(); return err }},
		{"Events", func() error { _, err := s.Events(watcher.EventQuery{}); return err }},
		{"Timeline", func() error { _, err := s.Timeline("a7"); return err }},
		{"Figures", func() error { _, err := s.Figures("a7"); return err }},
		{"Diff", func() error { _, err := s.Diff("a7", "", ""); return err }},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if err := q.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
