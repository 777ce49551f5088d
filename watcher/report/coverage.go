package report

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"hanoiwatch/watcher"
)

// RecentCoverage is how far back the coverage report looks for what was found and lost.
const RecentCoverage = 30 * 24 * time.Hour

// Coverage is the coverage report: the watched articles per site, language and week,
// and what was found, lost and restored lately.
type Coverage struct {
	Weeks  []CoverageWeek  `json:"weeks"`
	Since  time.Time       `json:"since"`
	Recent []watcher.Event `json:"recent"` // coverage.found, article.gone and article.restored since Since, oldest first
}

// CoverageWeek counts the watched articles of one site, language and week.
type CoverageWeek struct {
	Site     string `json:"site"`
	Lang     string `json:"lang"`           // "" when unknown
	Week     string `json:"week"`           // ISO week, "2025-W43"; "" when the article has no date yet
	Articles int    `json:"articles"`       // watched articles
	Gone     int    `json:"gone,omitempty"` // of which gone (404, 410, redirected away)
}

// Coverage counts the watched articles per site, language and ISO week of publication
// (the feed's or page's date for discovered articles, the reports date of configured
// ones; else the day of discovery or of the first snapshot), with how many are gone; and
// lists the coverage.found, article.gone and article.restored events of the last 30 days.
func (s *Service) Coverage() (Coverage, error) {
	now := s.now().UTC()
	// From the start of a day: the report of one day is the same whenever it is asked.
	rep := Coverage{Since: now.Add(-RecentCoverage).Truncate(24 * time.Hour), Weeks: []CoverageWeek{}, Recent: []watcher.Event{}}
	srcs, err := s.List.Sources()
	if err != nil {
		return rep, err
	}
	bySource := map[string]watcher.Coverage{}
	if s.Discovered != nil {
		covs, err := s.Discovered.Coverage()
		if err != nil {
			return rep, err
		}
		for _, c := range covs {
			bySource[c.Source] = c
		}
	}
	type key struct{ site, lang, week string }
	counts := map[key]*CoverageWeek{}
	for _, src := range srcs {
		if src.Kind != "" { // the treaty record is no coverage
			continue
		}
		st, err := s.Store.State(src.Name)
		if err != nil {
			return rep, err
		}
		c := bySource[src.Name]
		lang := cmp.Or(src.Lang, c.Lang, st.Lang)
		if i := strings.IndexByte(lang, '-'); i > 0 {
			lang = lang[:i] // "vi-VN" and "vi" are one language here
		}
		day := firstSet(c.Published, reportsDay(src.Reports), c.Found)
		if day.IsZero() {
			if n, first, _, err := s.Store.SnapshotSpan(src.Name); err != nil {
				return rep, err
			} else if n > 0 {
				day = first.Time
			}
		}
		k := key{Site(src.URL), strings.ToLower(lang), isoWeek(day)}
		w := counts[k]
		if w == nil {
			w = &CoverageWeek{Site: k.site, Lang: k.lang, Week: k.week}
			counts[k] = w
		}
		w.Articles++
		if st.Status == watcher.StatusGone {
			w.Gone++
		}
	}
	for _, w := range counts {
		rep.Weeks = append(rep.Weeks, *w)
	}
	slices.SortFunc(rep.Weeks, func(x, y CoverageWeek) int {
		return cmp.Or(strings.Compare(x.Site, y.Site), strings.Compare(x.Lang, y.Lang), strings.Compare(x.Week, y.Week))
	})
	evs, _, err := s.Store.EventsPage(watcher.EventQuery{Since: rep.Since,
		Types: []string{watcher.CoverageFound, watcher.ArticleGone, watcher.ArticleRestored}})
	if err != nil {
		return rep, err
	}
	for i := len(evs) - 1; i >= 0; i-- { // oldest first
		rep.Recent = append(rep.Recent, evs[i])
	}
	return rep, nil
}

// reportsDay reads a source's reports date (YYYY-MM-DD or YYYY-MM); zero when unset.
func reportsDay(s string) time.Time {
	for _, layout := range []string{"2006-01-02", "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// firstSet returns the first of ts that is not the zero time.
func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// isoWeek names the ISO week of t, "2025-W43"; "" for the zero time.
func isoWeek(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Site is the site of a URL in the reports: its host without "www.".
func Site(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimPrefix(strings.ToLower(u.Host), "www.")
}
