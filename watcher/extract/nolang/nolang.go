// Package whatlanggo stands in for github.com/RadhiFadlillah/whatlanggo, which
// go-trafilatura runs on the whole text of every page it extracts, whatever its
// options, to fill in Metadata.Language.
//
// hanoiwatch reads a page's language from its markup first (<html lang>,
// og:locale, Content-Language), and most news pages state it. The detection
// that trafilatura ran anyway was the largest single cost of a full extraction:
// about 19 % of the CPU of a first round over 1 000 article pages. go.mod
// replaces the module with this one, which keeps the API that go-trafilatura
// compiles against and detects nothing; watcher/extract runs a detector itself,
// only on pages that do not state their language.
package whatlanggo

// Lang mirrors whatlanggo's language identifier.
type Lang int

// DetectLang detects nothing: see the package comment.
func DetectLang(text string) Lang { return 0 }

// Iso6391 returns "", which go-trafilatura takes as "no language found".
func (Lang) Iso6391() string { return "" }
