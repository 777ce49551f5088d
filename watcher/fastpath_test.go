package watcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// site serves one page: an article inside <article>, a paragraph of it outside that
// element, and a counter that changes on every fetch.
type site struct {
	inside, outside string
	fetches         atomic.Int64
}

func (s *site) Fetch(_ context.Context, src watcher.Source, _ watcher.Validators) (*watcher.Page, error) {
	n := s.fetches.Add(1)
	body := fmt.Sprintf("<article>%s</article><p>%s</p><nav>%d readers</nav>", s.inside, s.outside, n)
	return &watcher.Page{URL: src.URL, Status: 200, ContentType: "text/html", Body: []byte(body)}, nil
}

// pages extracts both paragraphs in full and fingerprints only the <article> element,
// so that the fast path cannot see an edit of the outside paragraph.
type pages struct{ full int }

func (x *pages) Extract(p *watcher.Page, _ watcher.Source) (watcher.Article, error) {
	x.full++
	b := string(p.Body)
	inside := between(b, "<article>", "</article>")
	outside := between(b, "<p>", "</p>")
	return watcher.Article{Text: inside + "\n" + outside, Lang: "fr", Regions: json.RawMessage(`"article"`)}, nil
}

func (*pages) Fingerprint(p *watcher.Page, _ json.RawMessage) (string, bool) {
	return between(string(p.Body), "<article>", "</article>"), true
}

func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	in, _, _ := strings.Cut(after, to)
	return in
}

// The fast path is trusted for at most max(FullEvery checks, FullAfter): an edit it cannot
// see is found by the next full extraction, and no sooner, on a tight schedule and on a
// slow one.
func TestFastPathBound(t *testing.T) {
	for _, every := range []time.Duration{time.Minute, 2 * time.Hour} {
		t.Run(every.String(), func(t *testing.T) {
			st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			s := &site{inside: "Soixante-cinq pays ont signé la convention.", outside: "La cérémonie a eu lieu à Hanoi."}
			x := &pages{}
			now := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
			w := &watcher.Watcher{Fetcher: s, Extractor: x, Store: st, Figures: figures.New(nil), Now: func() time.Time { return now }}
			src := watcher.Source{Name: "vtv", URL: "http://127.0.0.1/a"}
			check := func() watcher.Record {
				t.Helper()
				rec, err := w.Check(context.Background(), src)
				if err != nil {
					t.Fatal(err)
				}
				now = now.Add(every)
				return rec
			}
			if rec := check(); rec.Check.Result != watcher.ResultNew || x.full != 1 {
				t.Fatalf("first check %s, %d extractions", rec.Check.Result, x.full)
			}
			s.outside = "La cérémonie a eu lieu à Hanoi, au centre de conventions."
			// The checks the fast path may answer alone: FullEvery of them, and as many more
			// as fit in FullAfter after the first extraction.
			fast := max(watcher.FullEvery, int(watcher.FullAfter/every)-1)
			for i := range fast {
				if rec := check(); rec.Check.Result != watcher.ResultUnchanged || x.full != 1 {
					t.Fatalf("check %d: %s after %d extractions; want unchanged by the fast path", i+2, rec.Check.Result, x.full)
				}
			}
			if rec := check(); rec.Check.Result != watcher.ResultChanged || x.full != 2 {
				t.Fatalf("check %d: %s after %d extractions; want the edit found by a full extraction", fast+2, rec.Check.Result, x.full)
			}
		})
	}
}
