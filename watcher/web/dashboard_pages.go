package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/report"
)

// SourcesPage is the data of the sources page.
type SourcesPage struct {
	Sources     []report.SourceView
	Sites       []string // every site, for the filter
	States      []string // every status, for the filter
	Site, State string   // the filter
	Total       int      // sources before filtering
	Matching    int      // sources the filter keeps, on every page
	Next        string   // the link to the next page, "" on the last
}

// dashSources is how many sources a page of the sources page lists.
const dashSources = 200

func (d *dash) sourcesPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	q := r.URL.Query()
	p := SourcesPage{Site: q.Get("site"), State: q.Get("state"), Sources: []report.SourceView{}}
	all, err := d.s.Reports.Sources()
	if err != nil {
		return "", view{}, err
	}
	for _, v := range all {
		p.Total++
		site := host(v.URL)
		if !slices.Contains(p.Sites, site) {
			p.Sites = append(p.Sites, site)
		}
		if !slices.Contains(p.States, v.Status) {
			p.States = append(p.States, v.Status)
		}
		if (p.Site == "" || p.Site == site) && (p.State == "" || p.State == v.Status) {
			p.Sources = append(p.Sources, v)
		}
	}
	sort.Strings(p.Sites)
	sort.Strings(p.States)
	p.Matching = len(p.Sources)
	var next string
	p.Sources, next = report.PageSources(p.Sources, q.Get("after"), dashSources)
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", next)
		p.Next = "/?" + nq.Encode()
	}
	return "sources.html", view{Title: "Sources", Nav: "sources", JSON: "/api/sources", Feed: "/feed.atom", Data: p}, nil
}

// SourcePage is the data of a source's page: its timeline, and two snapshots compared.
type SourcePage struct {
	Source   report.SourceView
	Timeline []Moment
	From, To *watcher.Snapshot // nil when there is nothing to compare
	Changes  []figures.Change  // figures that moved from From to To
	Diff     []HunkView
	Stats    diff.Stats
	Text     string           // the text of To (or of the only snapshot)
	Series   []figures.Series // the source's figures over time, those still in the text
	Shots    *Shots           // screenshots of From and To, for a rendered source that takes them
}

// Moment is one entry of the timeline as the page shows it: the read model's, marked
// when picked for the comparison.
type Moment struct {
	report.Moment
	From, To bool
}

func (d *dash) sourcePage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	name := r.PathValue("name")
	sv, err := d.s.Reports.Source(name)
	if err != nil {
		return "", view{}, err
	}
	tl, err := d.s.Reports.Timeline(name)
	if err != nil {
		return "", view{}, err
	}
	p := SourcePage{Source: sv}
	q := r.URL.Query()
	if sv.Snapshots > 0 {
		if err := d.compare(&p, name, q.Get("from"), q.Get("to")); err != nil {
			return "", view{}, err
		}
	}
	if p.Shots, err = d.shots(name, p.From, p.To); err != nil {
		return "", view{}, err
	}
	if sv.Snapshots > 0 && sv.Kind != watcher.KindTreatyStatus { // the record's counts are no news figures
		series, err := d.s.Reports.Figures(name)
		if err != nil {
			return "", view{}, err
		}
		for _, s := range series {
			if s.Latest != nil {
				p.Series = append(p.Series, s)
			}
		}
	}
	for _, m := range tl {
		pm := Moment{Moment: m}
		if sn := m.Snapshot; sn != nil {
			pm.From = p.From != nil && sn.ID == p.From.ID && sn.Time.Equal(p.From.Time)
			pm.To = p.To != nil && sn.ID == p.To.ID && sn.Time.Equal(p.To.Time)
		}
		p.Timeline = append(p.Timeline, pm)
	}
	v := view{Title: name, Nav: "sources", JSON: "/api/sources/" + url.PathEscape(name), Feed: srcURL(name) + "/feed.atom", Data: p}
	if q.Get("checked") != "" {
		v.Flash = "A check of " + name + " was requested; reload in a moment to see its result."
	}
	return "source.html", v, nil
}

// compare fills the page's diff and figure changes between two snapshots: by default the
// previous and the latest; only the latest when the source has a single one.
func (d *dash) compare(p *SourcePage, name, from, to string) error {
	dv, err := d.s.Reports.Diff(name, from, to)
	if err != nil && errors.Is(err, report.ErrInvalid) && from == "" {
		// A single snapshot (up to to): show it alone.
		st, err := d.s.Reports.Snapshot(name, to)
		if err != nil {
			return err
		}
		p.To, p.Text = &st.Snapshot, st.Text
		return nil
	}
	if err != nil {
		return err
	}
	a, err := d.s.Reports.Snapshot(name, dv.From)
	if err != nil {
		return err
	}
	b, err := d.s.Reports.Snapshot(name, dv.To)
	if err != nil {
		return err
	}
	p.From, p.To, p.Text = &a.Snapshot, &b.Snapshot, b.Text
	if dv.From == dv.To {
		p.From = nil
		return nil
	}
	p.Stats = dv.Diff.Stats
	p.Diff = hunkViews(a.Text, b.Text, dv.Diff)
	p.Changes = dv.Figures
	return nil
}

// EventsPage is the data of the events page.
type EventsPage struct {
	Events       []watcher.Event // newest first
	Types        []string
	Sources      []string
	Type, Source string
	Next         string // the link to the next page, "" on the last
}

// eventTypes lists the event types the filter offers.
var eventTypes = []string{watcher.ArticleNew, watcher.ArticleChanged, watcher.ArticleGone, watcher.ArticleRestored,
	watcher.ArticleMoved, watcher.FetchFailed, watcher.CoverageFound, "treaty.signed", "treaty.ratified", "treaty.counts"}

func (d *dash) eventsPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	q := r.URL.Query()
	eq, err := eventQuery(q, d.s.now())
	if err != nil {
		return "", view{}, err
	}
	page, err := d.s.Reports.Events(eq)
	if err != nil {
		return "", view{}, err
	}
	p := EventsPage{Events: page.Events, Types: slices.Clone(eventTypes), Type: q.Get("type"), Source: q.Get("source")}
	srcs, err := d.s.Reports.Sources()
	if err != nil {
		return "", view{}, err
	}
	for _, src := range srcs {
		p.Sources = append(p.Sources, src.Name)
	}
	sort.Strings(p.Sources)
	if page.Next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", page.Next)
		p.Next = "/events?" + nq.Encode()
	}
	twin := "/api/events?" + r.URL.RawQuery
	return "events.html", view{Title: "Events", Nav: "events", JSON: twin, Feed: "/feed.atom", Data: p}, nil
}

// FiguresPage is the data of the figures page: the board across sources, held against
// the official record, and a chart per subject over time.
type FiguresPage struct {
	Rows     []BoardRow
	Disagree []string // keys the sources disagree on
}

// BoardRow is one canonical subject: what each source reports now, the official
// verdicts, and its chart.
type BoardRow struct {
	report.BoardRow
	Reports []SourceValues
	Chart   *Chart
}

// SourceValues is what one source reports for one subject.
type SourceValues struct {
	Source string
	Values []float64
	Odd    bool // differs from what the other sources agree on
}

func (d *dash) figuresPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	b, err := d.s.Reports.Board()
	if err != nil {
		return "", view{}, err
	}
	var p FiguresPage
	for _, row := range b.Rows {
		br := BoardRow{BoardRow: row}
		names := make([]string, 0, len(row.Values))
		for n := range row.Values {
			names = append(names, n)
		}
		sort.Strings(names)
		var most []float64 // what most sources agree on, once a row (see majority)
		if row.Disagree {
			most = majority(row.Values)
		}
		for _, n := range names {
			br.Reports = append(br.Reports, SourceValues{Source: n, Values: row.Values[n],
				Odd: row.Disagree && !slices.Equal(row.Values[n], most)})
		}
		br.Chart = chartFor(row.Key, b.Series, d.s.now())
		if row.Disagree {
			p.Disagree = append(p.Disagree, row.Key)
		}
		p.Rows = append(p.Rows, br)
	}
	// What the sources disagree on is what the page is for: it comes first.
	sort.SliceStable(p.Rows, func(i, j int) bool { return p.Rows[i].Disagree && !p.Rows[j].Disagree })
	return "figures.html", view{Title: "Figures", Nav: "figures", JSON: "/api/figures", Data: p}, nil
}

// majority is the set of values most sources report for a subject (the first in source
// order on a tie), so that the odd ones out can be marked.
func majority(values map[string][]float64) []float64 {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	count := map[string]int{}
	best, bestN := "", 0
	for _, n := range names {
		k := fmt.Sprint(values[n])
		count[k]++
		if count[k] > bestN {
			best, bestN = k, count[k]
		}
	}
	for _, n := range names {
		if fmt.Sprint(values[n]) == best {
			return values[n]
		}
	}
	return nil
}

func (d *dash) coveragePage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	c, err := d.s.Reports.Coverage()
	if err != nil {
		return "", view{}, err
	}
	return "coverage.html", view{Title: "Coverage", Nav: "coverage", JSON: "/api/coverage", Data: c}, nil
}

// OutboxPage is the data of the outbox page.
type OutboxPage struct {
	Available     bool // the store has an outbox
	Pending, Dead Deliveries
}

// Deliveries is one list of the outbox page.
type Deliveries struct {
	Items []watcher.Delivery
	Retry bool // dead ones get a retry button: the store can re-queue
}

func (d *dash) outboxPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	v := view{Title: "Webhook outbox", Nav: "outbox", JSON: "/api/outbox"}
	ob := d.s.Outbox
	p := OutboxPage{Available: ob != nil}
	if ob != nil {
		var err error
		if p.Pending.Items, err = ob.Deliveries(watcher.DeliveryPending); err != nil {
			return "", view{}, err
		}
		if p.Dead.Items, err = ob.Deliveries(watcher.DeliveryDead); err != nil {
			return "", view{}, err
		}
		p.Dead.Retry = d.s.Requeuer != nil
	}
	if r.URL.Query().Get("requeued") != "" {
		v.Flash = "The delivery is back in its queue."
	}
	v.Data = p
	return "outbox.html", v, nil
}
