package watcher

import (
	"errors"
	"time"
)

// The records that more than the store reads: what coverage discovery found, the sources
// added at run time, a page of the event log. The store keeps them; the watch list and
// the read models ask for them through interfaces of their own.

// OriginDiscovered is the Added.Origin of the sources coverage discovery added.
const OriginDiscovered = "discovered"

// Coverage is an article coverage discovery found and added to the watch list.
type Coverage struct {
	URL       string    `json:"url"`    // canonical
	Source    string    `json:"source"` // the name it is watched under
	Title     string    `json:"title,omitempty"`
	Job       string    `json:"job"`      // the discovery job that found it
	FoundAt   string    `json:"found_at"` // the feed or listing page that linked to it
	Found     time.Time `json:"found"`
	Published time.Time `json:"published,omitzero"`
	Lang      string    `json:"lang,omitempty"`
	Keyword   string    `json:"keyword,omitempty"` // the keyword that matched
}

// Discovered is one article a discovery run found, with what recording it writes if it
// turns out to be new: its coverage.found event and the deliveries of that event.
type Discovered struct {
	Coverage   Coverage
	Event      Event
	Deliveries []Delivery
}

// Outcome says what became of one article given to RecordCoverage.
type Outcome struct {
	New bool
	// Source is the name of the source the article is watched under: the new one, or
	// the existing source it matched (perhaps a removed one).
	Source string
}

// Added is a source added from the command line.
type Added struct {
	Name     string    `json:"name"`
	URL      string    `json:"url"`
	Schedule string    `json:"schedule,omitempty"`
	Selector string    `json:"selector,omitempty"`
	Lang     string    `json:"lang,omitempty"`
	Time     time.Time `json:"time"`
	// Origin is "discovered" for an article coverage discovery added; "" for the CLI and API.
	Origin string `json:"origin,omitempty"`
}

// EventQuery selects a page of events, newest first. Every filter is optional.
type EventQuery struct {
	Since  time.Time
	Types  []string
	Source string
	// After is the Next of the page before; "" starts from the newest event.
	After string
	Limit int // the store: 0 for no limit; the read models: 0 for their default page
}

// ErrCursor is returned for a paging cursor this store did not give.
var ErrCursor = errors.New("not a cursor of this database")
