// Package export writes what the database holds in forms other tools read: the captures
// as WARC files (ISO 28500, for web archives and their players), the events, checks,
// figure histories and snapshot texts as JSON Lines or CSV. Every export streams: it
// holds a few records at a time, whatever the size of the database.
package export

import (
	"time"

	"hanoiwatch/watcher"
)

// Filter selects what is exported. Zero fields select everything.
type Filter struct {
	Sources map[string]bool // by source name
	Types   map[string]bool // by event type (a capture by the type of its check's first event)
	Since   time.Time       // at or after
	Until   time.Time       // before
	SHA256  string          // only the captures of this body
}

func (f Filter) source(name string) bool { return len(f.Sources) == 0 || f.Sources[name] }

func (f Filter) time(t time.Time) bool {
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || t.Before(f.Until))
}

func (f Filter) keepCapture(c *watcher.Capture) bool {
	return f.source(c.Source) && f.time(c.Time) && (len(f.Types) == 0 || f.Types[c.Event]) && (f.SHA256 == "" || f.SHA256 == c.SHA256)
}

func (f Filter) keepEvent(e *watcher.Event) bool {
	return f.source(e.Source.Name) && f.time(e.Time) && (len(f.Types) == 0 || f.Types[e.Type])
}
