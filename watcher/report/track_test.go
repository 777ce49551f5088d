package report

import (
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/store"
)

// TestTrackRecorded: the figures recorded with the latest snapshot are the answer, with
// no text read again.
func TestTrackRecorded(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x := article.Figures()
	at := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	var tr figures.Track
	var id string
	for v := range 2 {
		text := []string{"Titre\nAu total, 65 pays ont signé la Convention.", "Titre\nAu total, 72 pays ont signé la Convention."}[v]
		id = watcher.SnapshotID(text)
		at = at.Add(time.Minute)
		tr = x.Follow(tr, figures.Version{ID: id, Time: at, Text: text, Lang: "fr"})
		r := tr
		if err := st.Record(watcher.Record{Source: "a", Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
			State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Lang: "fr"}, Text: text, Figures: &r}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Figures("a")
	if err != nil || got.Version != id || len(got.Series) == 0 {
		t.Fatalf("stored track %+v, %v", got, err)
	}
	s := &Service{Store: st, List: list{{Name: "a"}}, Extractor: nil} // no extractor: nothing may be extracted
	series, err := s.Figures("a")
	if err != nil || len(series) != 1 || len(series[0].History) != 2 {
		t.Fatalf("figures %+v, %v", series, err)
	}
}
