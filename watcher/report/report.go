// Package report holds hanoiwatch's read models: the answers to what a person asks of the
// database (the watch list with its states, a source's snapshots, texts, diffs, figures
// and timeline, the figures board held against the official record, the coverage and
// treaty reports, the events). Every face asks the same questions through Reader: the
// CLI, the JSON API and the dashboard call a Service on the database, and the CLI, while
// a daemon holds the database, a client of the daemon's API that answers with the very
// same values. So a question has one answer, whichever face asks it.
package report

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// Store is what the read models read of the database.
type Store interface {
	State(source string) (watcher.State, error)
	Snapshots(source string) ([]watcher.Snapshot, error)
	SnapshotSpan(source string) (n int, first, latest watcher.Snapshot, err error)
	Text(source, id string) (string, error)
	Figures(source string) (figures.Track, error)
	Checks(source string, n int) ([]watcher.Check, error)
	EventsPage(q watcher.EventQuery) ([]watcher.Event, string, error)
}

// CoverageStore is the part of the store that keeps what discovery found; a Store
// without it has no discovered articles.
type CoverageStore interface {
	Coverage() ([]watcher.Coverage, error)
}

// WatchList is the list of watched sources and when each is checked next.
type WatchList interface {
	Sources() ([]watcher.Source, error)
	// Next is when the source is checked next given its state; zero when not known.
	Next(src watcher.Source, st watcher.State) time.Time
}

// Reader is every question a face asks of the database. A Service answers it from the
// database; a client of the daemon's API (watcher/web/client) through the daemon.
type Reader interface {
	Sources() ([]SourceView, error)
	Source(name string) (SourceView, error)
	Snapshots(name string) ([]watcher.Snapshot, error)
	Snapshot(name, id string) (SnapshotText, error)
	Diff(name, from, to string) (DiffView, error)
	Figures(name string) ([]figures.Series, error)
	Board() (Board, error)
	Coverage() (Coverage, error)
	Treaty(names []string, latest int) ([]Treaty, error)
	Timeline(name string) ([]Moment, error)
	Events(q watcher.EventQuery) (EventPage, error)
}

// ErrInvalid marks a question that cannot be answered as asked: an ambiguous snapshot
// prefix, a diff of a source with one snapshot, a bad paging cursor.
var ErrInvalid = errors.New("invalid request")

// failure is an answer's error: its message says what went wrong in the reader's words,
// and its kind (watcher.ErrNotFound, ErrInvalid) is for errors.Is and the API's status.
type failure struct {
	msg  string
	kind error
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.kind }

func failf(kind error, format string, args ...any) error {
	return &failure{msg: fmt.Sprintf(format, args...), kind: kind}
}

// Service answers the read questions from the database.
type Service struct {
	Store      Store
	List       WatchList
	Extractor  *figures.Extractor
	Discovered CoverageStore // nil: no discovered articles
	Now        func() time.Time
}

var _ Reader = (*Service)(nil)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SourceView is a source with its state, as every face lists it.
type SourceView struct {
	Name       string          `json:"name"`
	URL        string          `json:"url"`
	Origin     string          `json:"origin,omitempty"`
	Kind       watcher.Kind    `json:"kind,omitempty"`
	Lang       string          `json:"lang,omitempty"`
	Schedule   string          `json:"schedule,omitempty"`
	Status     string          `json:"status"` // the state's status; "new" before the first check, "blocked" or "needs-script" for a failing source the site refused
	LastCheck  time.Time       `json:"last_check,omitzero"`
	LastChange time.Time       `json:"last_change,omitzero"`
	NextCheck  time.Time       `json:"next_check,omitzero"`
	Snapshots  int             `json:"snapshots"`
	State      watcher.State   `json:"state"`
	Checks     []watcher.Check `json:"checks,omitempty"` // the latest runs of the check log, oldest first (Source only)
}

// DefaultSources bounds a page of the watch list where a face pages it (the API, the
// dashboard): a newsroom's list fits in one page of the API; the dashboard shows fewer.
const DefaultSources = 1000

// PageSources cuts a page of limit sources out of a list, after the source named after
// ("" from the start); next names the page's last source when more follow.
func PageSources(all []SourceView, after string, limit int) (page []SourceView, next string) {
	start := 0
	if after != "" {
		start = len(all)
		for i, v := range all {
			if v.Name == after {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(all))
	if end < len(all) {
		next = all[end-1].Name
	}
	return all[start:end], next
}

// SourceChecks is how many runs of the check log Source includes.
const SourceChecks = 50

// Sources lists the watch list with each source's state, in watch-list order.
func (s *Service) Sources() ([]SourceView, error) {
	srcs, err := s.List.Sources()
	if err != nil {
		return nil, err
	}
	out := make([]SourceView, 0, len(srcs))
	for _, src := range srcs {
		v, err := s.view(src)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// StatusRemoved is the status of a source no longer in the watch list whose history
// stays in the database: the events and feeds that name it still lead somewhere.
const StatusRemoved = "removed"

// Source is one source with its state and the latest runs of its check log; a source
// removed from the watch list is shown with the status "removed" while its history stays.
func (s *Service) Source(name string) (SourceView, error) {
	src, err := s.source(name)
	if errors.Is(err, watcher.ErrNotFound) {
		if st, serr := s.Store.State(name); serr == nil && !st.LastCheck.IsZero() {
			v := SourceView{Name: name, Status: StatusRemoved, LastCheck: st.LastCheck, LastChange: st.LastChange, State: st}
			snaps, err := s.Store.Snapshots(name)
			if err != nil {
				return v, err
			}
			v.Snapshots = len(snaps)
			v.Checks, err = s.Store.Checks(name, SourceChecks)
			return v, err
		}
	}
	if err != nil {
		return SourceView{}, err
	}
	v, err := s.view(src)
	if err != nil {
		return v, err
	}
	v.Checks, err = s.Store.Checks(name, SourceChecks)
	return v, err
}

func (s *Service) view(src watcher.Source) (SourceView, error) {
	st, err := s.Store.State(src.Name)
	if err != nil {
		return SourceView{}, err
	}
	n, _, _, err := s.Store.SnapshotSpan(src.Name)
	if err != nil {
		return SourceView{}, err
	}
	v := SourceView{Name: src.Name, URL: src.URL, Origin: src.Origin, Kind: src.Kind, Lang: src.Lang, Schedule: src.Schedule,
		Status: string(st.Status), LastCheck: st.LastCheck, LastChange: st.LastChange, NextCheck: s.List.Next(src, st),
		Snapshots: n, State: st}
	switch {
	case v.Status == "":
		v.Status = "new"
	case st.Status == watcher.StatusFailing && (st.Result == watcher.ResultBlocked || st.Result == watcher.ResultNeedsScript):
		v.Status = st.Result // why it fails, when the answer is the site's and not the network's
	}
	return v, nil
}

// source finds a source of the watch list by name.
func (s *Service) source(name string) (watcher.Source, error) {
	srcs, err := s.List.Sources()
	if err != nil {
		return watcher.Source{}, err
	}
	for _, src := range srcs {
		if src.Name == name {
			return src, nil
		}
	}
	return watcher.Source{}, failf(watcher.ErrNotFound, "unknown source %q (see `hanoiwatch sources`)", name)
}

// history returns the snapshots of a source of the watch list, or of one removed from
// it that left snapshots behind; an unknown name with no history is ErrNotFound.
func (s *Service) history(name string) ([]watcher.Snapshot, error) {
	snaps, err := s.Store.Snapshots(name)
	if err != nil || len(snaps) > 0 {
		return snaps, err
	}
	if _, err := s.source(name); err != nil {
		return nil, err
	}
	return []watcher.Snapshot{}, nil
}

// Snapshots lists a source's snapshots, oldest first.
func (s *Service) Snapshots(name string) ([]watcher.Snapshot, error) {
	return s.history(name)
}

// SnapshotText is one snapshot with its text.
type SnapshotText struct {
	watcher.Snapshot
	Text string `json:"text"`
}

// Snapshot is one snapshot of a source with its text: id is a unique prefix of its id,
// "" for the latest.
func (s *Service) Snapshot(name, id string) (SnapshotText, error) {
	snaps, err := s.history(name)
	if err != nil {
		return SnapshotText{}, err
	}
	if len(snaps) == 0 {
		return SnapshotText{}, noSnapshots(name)
	}
	sn := snaps[len(snaps)-1]
	if id != "" {
		if sn, err = match(name, snaps, id); err != nil {
			return SnapshotText{}, err
		}
	}
	text, err := s.Store.Text(name, sn.ID)
	return SnapshotText{Snapshot: sn, Text: text}, err
}

func noSnapshots(name string) error {
	return failf(watcher.ErrNotFound, "%s has no snapshots yet (has it been checked? see `hanoiwatch sources`)", name)
}

// match finds the snapshot a unique id prefix names; the latest of that id, since a text
// can come back.
func match(name string, snaps []watcher.Snapshot, prefix string) (watcher.Snapshot, error) {
	var found *watcher.Snapshot
	for i := range snaps {
		if !strings.HasPrefix(snaps[i].ID, prefix) {
			continue
		}
		if found != nil && found.ID != snaps[i].ID {
			return watcher.Snapshot{}, failf(ErrInvalid, "snapshot prefix %q of %s is ambiguous (%s, %s, ...)", prefix, name, found.ID, snaps[i].ID)
		}
		found = &snaps[i]
	}
	if found == nil {
		return watcher.Snapshot{}, failf(watcher.ErrNotFound, "%s has no snapshot %q (see `hanoiwatch snapshots %s`)", name, prefix, name)
	}
	return *found, nil
}

// DiffView is the difference between two snapshots of a source.
type DiffView struct {
	Source string      `json:"source"`
	From   string      `json:"from"`
	To     string      `json:"to"`
	Diff   diff.Result `json:"diff"`
	// Figures are the figures that moved from From to To.
	Figures []figures.Change `json:"figures"`
}

// Diff compares two snapshots of a source, given by unique id prefixes: "" for to is the
// latest, "" for from the one before to.
func (s *Service) Diff(name, from, to string) (DiffView, error) {
	snaps, err := s.history(name)
	if err != nil {
		return DiffView{}, err
	}
	if len(snaps) == 0 {
		return DiffView{}, noSnapshots(name)
	}
	a, b, err := pair(name, snaps, from, to)
	if err != nil {
		return DiffView{}, err
	}
	ta, err := s.Store.Text(name, a.ID)
	if err != nil {
		return DiffView{}, err
	}
	tb, err := s.Store.Text(name, b.ID)
	if err != nil {
		return DiffView{}, err
	}
	return DiffView{Source: name, From: a.ID, To: b.ID, Diff: diff.Compute(ta, tb),
		Figures: figures.Compare(s.Extractor.Extract(ta, a.Lang), s.Extractor.Extract(tb, b.Lang))}, nil
}

// pair resolves the snapshots to compare: to defaults to the latest, from to the snapshot
// before the last occurrence of to, so that "to" alone shows what that snapshot changed.
func pair(name string, snaps []watcher.Snapshot, from, to string) (a, b watcher.Snapshot, err error) {
	b = snaps[len(snaps)-1]
	at := len(snaps) - 1
	if to != "" {
		if b, err = match(name, snaps, to); err != nil {
			return a, b, err
		}
		for i := len(snaps) - 1; i >= 0; i-- {
			if snaps[i].ID == b.ID {
				at = i
				break
			}
		}
	}
	if from != "" {
		a, err = match(name, snaps, from)
		return a, b, err
	}
	if at == 0 {
		if len(snaps) == 1 {
			return a, b, failf(ErrInvalid, "%s has only one snapshot (%s): nothing to diff yet", name, b.ID)
		}
		return a, b, failf(ErrInvalid, "%s has no snapshot before %s: give the one to compare it with", name, b.ID)
	}
	return snaps[at-1], b, nil
}

// Figures follows a source's figures through its snapshots: every figure it ever stated,
// each with the values it took and the snapshot where each first appeared; Series.Latest
// is nil for a figure no longer in its latest text.
func (s *Service) Figures(name string) ([]figures.Series, error) {
	src, err := s.source(name)
	if err == nil && src.Kind == watcher.KindTreatyStatus {
		return nil, failf(ErrInvalid, "%s is the official record, not an article: see `hanoiwatch treaty %s`", name, name)
	}
	t, err := s.track(name)
	if err != nil {
		return nil, err
	}
	if t.Series == nil {
		return []figures.Series{}, nil
	}
	return t.Series, nil
}

// track is the source's figures as recorded with its latest snapshot. A database from
// before tracks were recorded has none, or one behind the latest snapshot: the track is
// then followed through the snapshots kept.
func (s *Service) track(name string) (figures.Track, error) {
	n, _, latest, err := s.Store.SnapshotSpan(name)
	if err != nil || n == 0 {
		if err == nil {
			_, err = s.history(name) // an unknown name is an error, a source not yet fetched none
		}
		return figures.Track{}, err
	}
	return s.recorded(name, latest)
}

// recorded is track for a source whose latest snapshot is known.
func (s *Service) recorded(name string, latest watcher.Snapshot) (figures.Track, error) {
	t, err := s.Store.Figures(name)
	if err != nil || t.Version == latest.ID {
		return t, err
	}
	snaps, err := s.Store.Snapshots(name)
	if err != nil {
		return t, err
	}
	t = figures.Track{}
	for _, sn := range snaps {
		text, err := s.Store.Text(name, sn.ID)
		if err != nil {
			return t, err
		}
		t = s.Extractor.Follow(t, figures.Version{ID: sn.ID, Time: sn.Time, Text: text, Lang: sn.Lang})
	}
	return t, nil
}
