package watcher_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// mover is a Fetcher whose site answers each URL with a redirect chain or a page.
type mover struct {
	redirect  map[string]int    // URL → status of its redirect to moves[URL]
	moves     map[string]string // URL → where it redirects
	body      string
	requested []string
}

func (m *mover) Fetch(_ context.Context, src watcher.Source, _ watcher.Validators) (*watcher.Page, error) {
	m.requested = append(m.requested, src.URL)
	u := src.URL
	var xs []watcher.Exchange
	for m.moves[u] != "" {
		xs = append(xs, watcher.Exchange{URL: u, Status: m.redirect[u]})
		u = m.moves[u]
	}
	xs = append(xs, watcher.Exchange{URL: u, Status: 200})
	return &watcher.Page{URL: u, Status: 200, Body: []byte(m.body), Exchanges: xs}, nil
}

const (
	oldURL = "https://vtv.vn/thoi-su/cong-uoc-ha-noi-100251025161328459.htm"
	newURL = "https://vtv.vn/the-gioi/cong-uoc-ha-noi-duoc-ky-ket-100251026090000000.htm"
)

type moveStep struct {
	redirect int    // status of a redirect oldURL → newURL; 0 for none
	body     string // the page
	events   []string
	url      string // the check's final URL, "" when it ended where it was asked
	movedTo  string // the state's MovedTo after the check
	fetched  string // the URL requested
}

func moveRun(t *testing.T, onMove string, steps []moveStep) []watcher.Record {
	t.Helper()
	f := &mover{}
	st := newMemory()
	now := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	w := &watcher.Watcher{Fetcher: f, Extractor: paragraphs{}, Store: st, Figures: figures.New(nil),
		Now: func() time.Time { return now }}
	src := watcher.Source{Name: "vtv", URL: oldURL, OnMove: onMove}
	var recs []watcher.Record
	for i, s := range steps {
		f.moves, f.redirect, f.body = map[string]string{}, map[string]int{}, s.body
		if s.redirect != 0 {
			f.moves[oldURL], f.redirect[oldURL] = newURL, s.redirect
		}
		rec, err := w.Check(context.Background(), src)
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		var types []string
		for _, e := range rec.Events {
			types = append(types, e.Type)
		}
		if !slices.Equal(types, s.events) || rec.Check.URL != s.url || rec.State.MovedTo != s.movedTo ||
			f.requested[len(f.requested)-1] != s.fetched {
			t.Fatalf("step %d: events %v, check URL %q, moved to %q, fetched %s; want %v, %q, %q, %s", i+1, types,
				rec.Check.URL, rec.State.MovedTo, f.requested[len(f.requested)-1], s.events, s.url, s.movedTo, s.fetched)
		}
		recs = append(recs, rec)
		now = now.Add(time.Minute)
	}
	return recs
}

// A redirect to another article is a move: article.moved once, the new URL in the check
// and in the state, and the source goes on as before (on_move: keep).
func TestMoveKept(t *testing.T) {
	recs := moveRun(t, "", []moveStep{
		{body: good, events: []string{"article.new"}, fetched: oldURL},
		{redirect: 301, body: good, events: []string{"article.moved"}, url: newURL, movedTo: newURL, fetched: oldURL},
		{redirect: 301, body: good, url: newURL, movedTo: newURL, fetched: oldURL},
		{redirect: 301, body: change, events: []string{"article.changed"}, url: newURL, movedTo: newURL, fetched: oldURL},
		{body: change, fetched: oldURL}, // the redirect is gone: the article is back at its URL
		{redirect: 308, body: change, events: []string{"article.moved"}, url: newURL, movedTo: newURL, fetched: oldURL},
	})
	ev := recs[1].Events[0]
	var d watcher.MoveDetail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		t.Fatal(err)
	}
	if d != (watcher.MoveDetail{From: oldURL, To: newURL, Status: 301}) || ev.Source.URL != oldURL || ev.Snapshot != recs[0].State.Snapshot {
		t.Errorf("article.moved: %+v, detail %+v", ev, d)
	}
}

// on_move: adopt: after the move the source is fetched at its new URL, without a redirect,
// and stays there.
func TestMoveAdopted(t *testing.T) {
	recs := moveRun(t, watcher.OnMoveAdopt, []moveStep{
		{body: good, events: []string{"article.new"}, fetched: oldURL},
		{redirect: 302, body: good, events: []string{"article.moved"}, url: newURL, movedTo: newURL, fetched: oldURL},
		{body: good, movedTo: newURL, fetched: newURL},
		{body: change, events: []string{"article.changed"}, movedTo: newURL, fetched: newURL},
	})
	var d watcher.MoveDetail
	if err := json.Unmarshal(recs[1].Events[0].Detail, &d); err != nil || !d.Adopted || d.Status != 302 {
		t.Errorf("detail %+v (%v), want adopted after a 302", d, err)
	}
	if u := recs[3].Events[0].Source.URL; u != newURL {
		t.Errorf("article.changed after the move names %s, want the adopted URL", u)
	}
}

// A move that changes the text too gives both events, the change first.
func TestMoveAndChange(t *testing.T) {
	moveRun(t, "", []moveStep{
		{body: good, events: []string{"article.new"}, fetched: oldURL},
		{redirect: 301, body: change, events: []string{"article.changed", "article.moved"}, url: newURL, movedTo: newURL, fetched: oldURL},
	})
}
