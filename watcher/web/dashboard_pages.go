package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// SourcesPage is the data of the sources page.
type SourcesPage struct {
	Sources     []SourceView
	Sites       []string // every site, for the filter
	States      []string // every status, for the filter
	Site, State string   // the filter
	Total       int      // sources before filtering
}

func (d *dash) sourcesPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	q := r.URL.Query()
	p := SourcesPage{Site: q.Get("site"), State: q.Get("state"), Sources: []SourceView{}}
	for _, src := range d.s.Daemon.Sources() {
		v, err := d.s.view(src, 0)
		if err != nil {
			return "", view{}, err
		}
		p.Total++
		site := host(v.URL)
		if !contains(p.Sites, site) {
			p.Sites = append(p.Sites, site)
		}
		if !contains(p.States, v.Status) {
			p.States = append(p.States, v.Status)
		}
		if (p.Site == "" || p.Site == site) && (p.State == "" || p.State == v.Status) {
			p.Sources = append(p.Sources, v)
		}
	}
	sort.Strings(p.Sites)
	sort.Strings(p.States)
	return "sources.html", view{Title: "Sources", Nav: "sources", JSON: "/api/sources", Feed: "/feed.atom", Data: p}, nil
}

// SourcePage is the data of a source's page: its timeline, and two snapshots compared.
type SourcePage struct {
	Source   SourceView
	Timeline []Moment
	From, To *watcher.Snapshot // nil when there is nothing to compare
	Changes  []figures.Change  // figures that moved from From to To
	Diff     []HunkView
	Stats    diff.Stats
	Text     string           // the text of To (or of the only snapshot)
	Series   []figures.Series // the source's figures over time, those still in the text
}

// Moment is one entry of a source's timeline: a snapshot with the events that came with
// it, or an event without a snapshot (gone, failed).
type Moment struct {
	Time     time.Time
	Snapshot *watcher.Snapshot
	Events   []watcher.Event
	From, To bool // picked for the comparison
}

func (d *dash) sourcePage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	name := r.PathValue("name")
	src, err := d.s.source(name)
	if err != nil {
		return "", view{}, err
	}
	sv, err := d.s.view(src, 0)
	if err != nil {
		return "", view{}, err
	}
	snaps, err := d.s.Store.Snapshots(name)
	if err != nil {
		return "", view{}, err
	}
	evs, err := d.s.Store.Events(time.Time{})
	if err != nil {
		return "", view{}, err
	}
	p := SourcePage{Source: sv}
	q := r.URL.Query()
	from, to, err := pickPair(name, snaps, q.Get("from"), q.Get("to"))
	if err != nil {
		return "", view{}, err
	}
	p.Timeline = timeline(snaps, evs, name, from, to)
	if len(snaps) > 0 {
		if p.From, p.To, err = d.compare(&p, name, snaps, from, to); err != nil {
			return "", view{}, err
		}
		if p.Series, err = d.current(name, snaps); err != nil {
			return "", view{}, err
		}
	}
	v := view{Title: name, Nav: "sources", JSON: "/api/sources/" + url.PathEscape(name), Feed: srcURL(name) + "/feed.atom", Data: p}
	if q.Get("checked") != "" {
		v.Flash = "A check of " + name + " was requested; reload in a moment to see its result."
	}
	return "source.html", v, nil
}

// pickPair resolves the snapshots to compare: the ones asked for, by default the previous
// and the latest. Both are "" when there are no snapshots.
func pickPair(name string, snaps []watcher.Snapshot, from, to string) (string, string, error) {
	if len(snaps) == 0 {
		return "", "", nil
	}
	var err error
	if to == "" {
		to = snaps[len(snaps)-1].ID
	}
	if to, err = resolve(name, snaps, to); err != nil {
		return "", "", err
	}
	if from == "" {
		// The snapshot before the last occurrence of To, so that "to" alone shows what
		// that snapshot changed.
		from = to
		for i := len(snaps) - 1; i > 0; i-- {
			if snaps[i].ID == to {
				from = snaps[i-1].ID
				break
			}
		}
	}
	if from, err = resolve(name, snaps, from); err != nil {
		return "", "", err
	}
	return from, to, nil
}

// compare fills the page's diff and figure changes between two snapshots.
func (d *dash) compare(p *SourcePage, name string, snaps []watcher.Snapshot, from, to string) (*watcher.Snapshot, *watcher.Snapshot, error) {
	var fs, ts *watcher.Snapshot
	for i := range snaps {
		if snaps[i].ID == from {
			fs = &snaps[i]
		}
		if snaps[i].ID == to {
			ts = &snaps[i]
		}
	}
	b, err := d.s.Store.Text(name, to)
	if err != nil {
		return nil, nil, err
	}
	p.Text = b
	if from == to {
		return nil, ts, nil
	}
	a, err := d.s.Store.Text(name, from)
	if err != nil {
		return nil, nil, err
	}
	res := diff.Compute(a, b)
	p.Stats = res.Stats
	p.Diff = hunkViews(a, b, res)
	p.Changes = figures.Compare(d.figs.Extract(a, fs.Lang), d.figs.Extract(b, ts.Lang))
	return fs, ts, nil
}

// timeline merges snapshots and the source's events, newest first.
func timeline(snaps []watcher.Snapshot, evs []watcher.Event, name, from, to string) []Moment {
	var out []Moment
	for i := range snaps {
		out = append(out, Moment{Time: snaps[i].Time, Snapshot: &snaps[i], From: snaps[i].ID == from, To: snaps[i].ID == to})
	}
	// The same text can come back (a revert), so an event goes with the snapshot of its
	// own check: same id and same time.
outer:
	for _, e := range evs {
		if e.Source.Name != name {
			continue
		}
		for i := range out {
			if sn := out[i].Snapshot; e.Snapshot != "" && sn.ID == e.Snapshot && sn.Time.Equal(e.Time) {
				out[i].Events = append(out[i].Events, e)
				continue outer
			}
		}
		out = append(out, Moment{Time: e.Time, Events: []watcher.Event{e}})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out
}

// history follows the figures of a source through all its snapshots.
func (d *dash) history(name string, snaps []watcher.Snapshot) ([]figures.Series, error) {
	var vs []figures.Version
	for _, sn := range snaps {
		text, err := d.s.Store.Text(name, sn.ID)
		if err != nil {
			return nil, err
		}
		vs = append(vs, figures.Version{ID: sn.ID, Time: sn.Time, Text: text, Lang: sn.Lang})
	}
	return d.figs.History(vs), nil
}

// current is the source's figures still in its latest text, each with its history.
func (d *dash) current(name string, snaps []watcher.Snapshot) ([]figures.Series, error) {
	all, err := d.history(name, snaps)
	var out []figures.Series
	for _, s := range all {
		if s.Latest != nil {
			out = append(out, s)
		}
	}
	return out, err
}

// EventsPage is the data of the events page.
type EventsPage struct {
	Events       []watcher.Event // newest first
	Types        []string
	Sources      []string
	Type, Source string
	More         int // events left out beyond the limit
}

// eventTypes lists the event types the filter always offers; types of other kinds of
// sources (treaty.*) join them once stored.
var eventTypes = []string{watcher.ArticleNew, watcher.ArticleChanged, watcher.ArticleGone, watcher.ArticleRestored,
	watcher.ArticleMoved, watcher.FetchFailed, watcher.CoverageFound}

// maxEvents bounds the events page: a year of a busy watch list is thousands of events,
// and nobody scrolls that far; the JSON twin has them all.
const maxEvents = 200

func (d *dash) eventsPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	q := r.URL.Query()
	p := EventsPage{Types: slices.Clone(eventTypes), Type: q.Get("type"), Source: q.Get("source")}
	all, err := d.s.Store.Events(time.Time{})
	if err != nil {
		return "", view{}, err
	}
	var evs []watcher.Event
	for _, e := range all {
		if !slices.Contains(p.Types, e.Type) {
			p.Types = append(p.Types, e.Type)
		}
		if p.Type == "" || e.Type == p.Type {
			evs = append(evs, e)
		}
	}
	for _, src := range d.s.Daemon.Sources() {
		p.Sources = append(p.Sources, src.Name)
	}
	sort.Strings(p.Sources)
	for i := len(evs) - 1; i >= 0; i-- {
		if p.Source != "" && evs[i].Source.Name != p.Source {
			continue
		}
		if len(p.Events) == maxEvents {
			p.More++
			continue
		}
		p.Events = append(p.Events, evs[i])
	}
	twin := "/api/events?" + r.URL.RawQuery
	return "events.html", view{Title: "Events", Nav: "events", JSON: twin, Feed: "/feed.atom", Data: p}, nil
}

// FiguresPage is the data of the figures page: the board across sources and a chart per
// subject over time.
type FiguresPage struct {
	Rows     []BoardRow
	Disagree []string // keys the sources disagree on
}

// BoardRow is one canonical subject: what each source reports now, and its chart.
type BoardRow struct {
	figures.Row
	Reports []SourceValues
	Chart   *Chart
}

// SourceValues is what one source reports for one subject.
type SourceValues struct {
	Source string
	Values []float64
	Odd    bool // differs from what the other sources agree on
}

// SourceSeries is one source's figures over time, in /api/figures.
type SourceSeries struct {
	Source string           `json:"source"`
	Series []figures.Series `json:"series"`
}

// FiguresView is the JSON twin of the figures page.
type FiguresView struct {
	Board  []figures.Row  `json:"board"`
	Series []SourceSeries `json:"series"`
}

func (d *dash) figures() (FiguresView, error) {
	out := FiguresView{Board: []figures.Row{}, Series: []SourceSeries{}}
	var reports []figures.Report
	for _, src := range d.s.Daemon.Sources() {
		if src.Kind != "" {
			// Not news coverage (the treaty's depositary record): its numbers are the
			// official counts, not claims to line up with the articles'.
			continue
		}
		st, err := d.s.Store.State(src.Name)
		if err != nil {
			return out, err
		}
		if st.Snapshot == "" {
			continue
		}
		text, err := d.s.Store.Text(src.Name, st.Snapshot)
		if err != nil {
			return out, err
		}
		reports = append(reports, figures.Report{Source: src.Name, Claims: d.figs.Extract(text, st.Lang)})
		snaps, err := d.s.Store.Snapshots(src.Name)
		if err != nil {
			return out, err
		}
		h, err := d.history(src.Name, snaps)
		if err != nil {
			return out, err
		}
		out.Series = append(out.Series, SourceSeries{Source: src.Name, Series: h})
	}
	out.Board = figures.Board(reports)
	return out, nil
}

func (d *dash) figuresPage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	fv, err := d.figures()
	if err != nil {
		return "", view{}, err
	}
	var p FiguresPage
	for _, row := range fv.Board {
		br := BoardRow{Row: row}
		names := make([]string, 0, len(row.Values))
		for n := range row.Values {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			br.Reports = append(br.Reports, SourceValues{Source: n, Values: row.Values[n],
				Odd: row.Disagree && !slices.Equal(row.Values[n], majority(row.Values))})
		}
		br.Chart = chartFor(row.Key, fv.Series, d.now())
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

// CoverageWeek is what happened to the coverage of one site in one ISO week: articles
// discovery found, articles first fetched, articles that went away (404, 410) and came back.
type CoverageWeek struct {
	Week     string   `json:"week"` // ISO week, "2025-W43"
	Site     string   `json:"site"`
	Found    []string `json:"found"` // coverage.found: discovery added them
	First    []string `json:"first"` // article.new: their first snapshot
	Lost     []string `json:"lost"`
	Restored []string `json:"restored"`
}

// coverage sorts the events that make or lose coverage by site and week, newest week
// first. It reads the events only, so it works on any database, with or without
// discovery.
func (d *dash) coverage() ([]CoverageWeek, error) {
	evs, err := d.s.Store.Events(time.Time{}, watcher.CoverageFound, watcher.ArticleNew, watcher.ArticleGone, watcher.ArticleRestored)
	if err != nil {
		return nil, err
	}
	sites, skip := map[string]string{}, map[string]bool{}
	for _, src := range d.s.Daemon.Sources() {
		sites[src.Name] = host(src.URL)
		skip[src.Name] = src.Kind != "" // the treaty record is no coverage
	}
	idx := map[[2]string]int{}
	out := []CoverageWeek{}
	for _, e := range evs {
		if skip[e.Source.Name] {
			continue
		}
		site := sites[e.Source.Name]
		if site == "" {
			site = host(e.Source.URL)
		}
		y, w := e.Time.ISOWeek()
		k := [2]string{fmt.Sprintf("%d-W%02d", y, w), site}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, CoverageWeek{Week: k[0], Site: site, Found: []string{}, First: []string{}, Lost: []string{}, Restored: []string{}})
		}
		c := &out[i]
		switch e.Type {
		case watcher.CoverageFound:
			c.Found = append(c.Found, e.Source.Name)
		case watcher.ArticleNew:
			c.First = append(c.First, e.Source.Name)
		case watcher.ArticleGone:
			c.Lost = append(c.Lost, e.Source.Name)
		case watcher.ArticleRestored:
			c.Restored = append(c.Restored, e.Source.Name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Week != out[j].Week {
			return out[i].Week > out[j].Week
		}
		return out[i].Site < out[j].Site
	})
	return out, nil
}

func (d *dash) coveragePage(w http.ResponseWriter, r *http.Request) (string, view, error) {
	c, err := d.coverage()
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
	ob, ok := d.s.Store.(Outbox)
	p := OutboxPage{Available: ok}
	if ok {
		var err error
		if p.Pending.Items, err = ob.Deliveries(watcher.DeliveryPending); err != nil {
			return "", view{}, err
		}
		if p.Dead.Items, err = ob.Deliveries(watcher.DeliveryDead); err != nil {
			return "", view{}, err
		}
		_, p.Dead.Retry = d.s.Store.(Requeuer)
	}
	if r.URL.Query().Get("requeued") != "" {
		v.Flash = "The delivery is back in its queue."
	}
	v.Data = p
	return "outbox.html", v, nil
}

// apiFigures is the JSON twin of the figures page.
func (d *dash) apiFigures(r *http.Request) (int, any, error) {
	fv, err := d.figures()
	return http.StatusOK, fv, err
}

// SourceFigures is the JSON twin of a source page's figures: its figures over time and
// those that moved between two snapshots.
type SourceFigures struct {
	From    string           `json:"from,omitempty"`
	To      string           `json:"to,omitempty"`
	Changes []figures.Change `json:"changes"`
	Series  []figures.Series `json:"series"`
}

func (d *dash) apiSourceFigures(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	if _, err := d.s.source(name); err != nil {
		return 0, nil, err
	}
	snaps, err := d.s.Store.Snapshots(name)
	if err != nil {
		return 0, nil, err
	}
	out := SourceFigures{Changes: []figures.Change{}, Series: []figures.Series{}}
	from, to, err := pickPair(name, snaps, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil || len(snaps) == 0 {
		return http.StatusOK, out, err
	}
	var p SourcePage
	if _, _, err := d.compare(&p, name, snaps, from, to); err != nil {
		return 0, nil, err
	}
	out.From, out.To = from, to
	if p.Changes != nil {
		out.Changes = p.Changes
	}
	if h, err := d.history(name, snaps); err != nil {
		return 0, nil, err
	} else if h != nil {
		out.Series = h
	}
	return http.StatusOK, out, nil
}

func (d *dash) apiCoverage(r *http.Request) (int, any, error) {
	c, err := d.coverage()
	return http.StatusOK, c, err
}

func (d *dash) apiOutbox(r *http.Request) (int, any, error) {
	ob, ok := d.s.Store.(Outbox)
	if !ok {
		return 0, nil, fmt.Errorf("outbox: %w (this store keeps none)", watcher.ErrNotFound)
	}
	state := watcher.DeliveryState(r.URL.Query().Get("state"))
	if state != "" && state != watcher.DeliveryPending && state != watcher.DeliveryDead {
		return 0, nil, fmt.Errorf("%w: state=%q, want pending or dead", ErrBadRequest, state)
	}
	ds, err := ob.Deliveries(state)
	if ds == nil {
		ds = []watcher.Delivery{}
	}
	return http.StatusOK, ds, err
}
