// Package htmldate stands in for github.com/markusmobius/go-htmldate, which
// go-trafilatura imports to find a page's publication date.
//
// hanoiwatch never asks trafilatura for that date (watcher/extract runs it
// with HtmlDateMode Disabled and reads the date as the page states it), yet
// the real package pulls in go-dateparser, whose locale tables are built at
// process start: about 78 MB allocated and 0.2 s of CPU in every hanoiwatch
// process, before any page is fetched. go.mod replaces the module with this
// one, which keeps the API that go-trafilatura compiles against and finds no
// date.
package htmldate

import (
	"time"

	"golang.org/x/net/html"
)

// Options mirrors the fields of go-htmldate's Options that go-trafilatura sets.
type Options struct {
	ExtractTime         bool
	UseOriginalDate     bool
	URL                 string
	MinDate             time.Time
	MaxDate             time.Time
	SkipExtensiveSearch bool
	EnableLog           bool
}

// Result mirrors go-htmldate's Result.
type Result struct {
	DateTime    time.Time
	HasTime     bool
	HasTimezone bool
	SrcString   string
}

// IsZero reports whether no date was found, which is always the case here.
func (r Result) IsZero() bool { return r.DateTime.IsZero() }

// FromDocument finds no date: hanoiwatch disables trafilatura's date search,
// so this is only reached if that setting is changed.
func FromDocument(doc *html.Node, opts Options) (Result, error) {
	return Result{}, nil
}
