package watchlist

import (
	"encoding/json"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/discover"
	"time"
)

// coverageDetail is the Detail of a coverage.found event: where and when the article was
// found, and why it was taken.
type coverageDetail struct {
	Job       string    `json:"job"`
	FoundAt   string    `json:"found_at"` // the feed or listing page that links to it
	Found     time.Time `json:"found"`
	Published time.Time `json:"published,omitzero"` // as the feed or the page dates it
	Lang      string    `json:"lang,omitempty"`
	Keyword   string    `json:"keyword"`
}

// RecordFound records the articles a discovery job found: the new ones become discovered
// sources of the watch list, each with its coverage.found event, queued for the
// notification endpoints that want it (r may be nil), all in one transaction. An article
// is new when its canonical URL matches no source (see store.RecordCoverage).
func (l *List) RecordFound(found []discover.Found, r watcher.Router, now time.Time) ([]watcher.Discovered, []watcher.Outcome, error) {
	now = now.UTC()
	recs := make([]watcher.Discovered, len(found))
	for i, f := range found {
		f.URL = discover.Canonical(f.URL) // the name hashes the URL: the canonical one, always
		e := coverageEvent(f, now)
		recs[i] = watcher.Discovered{
			Coverage: watcher.Coverage{URL: f.URL, Source: e.Source.Name, Title: f.Title, Job: f.Job, FoundAt: f.FoundAt,
				Found: now, Published: f.Published, Lang: f.Lang, Keyword: f.Keyword},
			Event:      e,
			Deliveries: watcher.Deliveries(r, e),
		}
	}
	// The declared sources, removed or not: an article one of them watches, or watched,
	// is not new.
	outs, err := l.Store.RecordCoverage(recs, l.Declared, discover.Canonical)
	return recs, outs, err
}

// coverageEvent is the coverage.found event of an article. Its id derives from the
// canonical URL alone: the same article is the same event, whichever job found it, when.
func coverageEvent(f discover.Found, now time.Time) watcher.Event {
	detail, _ := json.Marshal(coverageDetail{Job: f.Job, FoundAt: f.FoundAt, Found: now, Published: f.Published.UTC(),
		Lang: f.Lang, Keyword: f.Keyword}) // plain strings and times: it cannot fail
	return watcher.Event{
		ID:      watcher.EventID(watcher.CoverageFound, f.URL),
		Type:    watcher.CoverageFound,
		Time:    now,
		Source:  watcher.EventSource{Name: f.SourceName(), URL: f.URL},
		Title:   f.Title,
		Figures: []figures.Change{},
		Detail:  detail,
	}
}
