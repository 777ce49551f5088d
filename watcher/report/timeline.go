package report

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"hanoiwatch/watcher"
)

// Moment is one entry of a source's timeline: a snapshot with the events that came with
// it, or an event without a snapshot of its own (gone, failed, a change whose snapshot
// retention has dropped).
type Moment struct {
	Time     time.Time         `json:"time"`
	Snapshot *watcher.Snapshot `json:"snapshot,omitempty"`
	Events   []watcher.Event   `json:"events"`
}

// Timeline merges a source's snapshots and events, newest first.
func (s *Service) Timeline(name string) ([]Moment, error) {
	snaps, err := s.history(name)
	if err != nil {
		return nil, err
	}
	evs, _, err := s.Store.EventsPage(watcher.EventQuery{Source: name})
	if err != nil {
		return nil, err
	}
	return timeline(snaps, evs, name), nil
}

// timeline merges snapshots and the source's events, newest first. The same text can
// come back (a revert), so an event goes with the snapshot of its own check: same id and
// same time.
func timeline(snaps []watcher.Snapshot, evs []watcher.Event, name string) []Moment {
	out := make([]Moment, 0, len(snaps))
	at := map[string]int{} // snapshot id and time → index in out
	key := func(id string, t time.Time) string { return id + "@" + strconv.FormatInt(t.UnixNano(), 10) }
	for i := range snaps {
		at[key(snaps[i].ID, snaps[i].Time)] = len(out)
		out = append(out, Moment{Time: snaps[i].Time, Snapshot: &snaps[i], Events: []watcher.Event{}})
	}
	for _, e := range evs {
		if e.Source.Name != name {
			continue
		}
		if i, ok := at[key(e.Snapshot, e.Time)]; ok && e.Snapshot != "" {
			out[i].Events = append(out[i].Events, e)
			continue
		}
		out = append(out, Moment{Time: e.Time, Events: []watcher.Event{e}})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out
}

// Paging bounds of the event lists.
const (
	DefaultEvents = 100
	MaxEvents     = 1000
)

// EventPage is one page of events, newest first. Next, when set, asks for the page
// after it.
type EventPage struct {
	Events []watcher.Event `json:"events"`
	Next   string          `json:"next,omitempty"`
}

// Events lists the events a query selects, newest first, one page at a time: q.Limit
// events (DefaultEvents when 0, at most MaxEvents) after q.After, the Next of the page
// before.
func (s *Service) Events(q watcher.EventQuery) (EventPage, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultEvents
	case limit < 0 || limit > MaxEvents:
		return EventPage{}, failf(ErrInvalid, "limit %d: want 1 to %d", q.Limit, MaxEvents)
	}
	q.Limit = limit
	evs, next, err := s.Store.EventsPage(q)
	if errors.Is(err, watcher.ErrCursor) {
		return EventPage{}, failf(ErrInvalid, "%s", err.Error())
	}
	if evs == nil {
		evs = []watcher.Event{}
	}
	return EventPage{Events: evs, Next: next}, err
}

// Pick returns the named sources, in the given order; all of them when names is empty.
// Unknown names are an error that lists the known ones.
func Pick(all []watcher.Source, names []string) ([]watcher.Source, error) {
	if len(names) == 0 {
		return all, nil
	}
	by := map[string]watcher.Source{}
	for _, s := range all {
		by[s.Name] = s
	}
	var out []watcher.Source
	var unknown []string
	for _, n := range names {
		s, ok := by[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		out = append(out, s)
	}
	if len(unknown) > 0 {
		known := make([]string, 0, len(by))
		for n := range by {
			known = append(known, n)
		}
		slices.Sort(known)
		return nil, failf(watcher.ErrNotFound, "unknown source %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}
