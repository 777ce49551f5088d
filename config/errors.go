package config

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in a configuration. Parse and Validate return several
// of them joined with errors.Join; errors.As finds the first one.
type Error struct {
	File  string // "" when the value did not come from a file (Default(), seeds)
	Line  int    // 1-based; 0 when unknown
	Field string // path of the field, like "sources[2].url"; "" for problems of the whole file
	Msg   string // never contains the value of an environment variable
}

// Error formats the problem as "FILE:LINE: FIELD: problem", leaving out the
// parts that are unknown, so that editors can jump to the line.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// positions remembers, for the fields read from a file, where they were and
// what they looked like before environment substitution. A nil *positions
// (a value built in Go) answers "unknown" to everything.
type positions struct {
	lines map[string]int
	// raw holds the text of values that contained ${NAME}: errors show it in
	// place of the value so that a secret never ends up in a log.
	raw map[string]string
	// failed marks fields whose decoding already produced an error, so that
	// Validate does not report the same field a second time as "required".
	failed map[string]bool
}

func newPositions() *positions {
	return &positions{lines: map[string]int{}, raw: map[string]string{}, failed: map[string]bool{}}
}

// line returns the line of key, 0 if it was not read from the file. There is
// no fallback to the enclosing mapping: a value the file did not set must not
// be blamed on the file.
func (p *positions) line(key string) int {
	if p == nil {
		return 0
	}
	return p.lines[key]
}

// show renders a value for an error message: rendered as given, unless the
// value came from the environment, in which case the file's text is shown.
func (p *positions) show(key, rendered string) string {
	if raw, ok := p.secret(key); ok {
		return strconv.Quote(raw) + " (expanded)"
	}
	return rendered
}

// secret reports whether the value of key was substituted from the
// environment, and the text it was written as.
func (p *positions) secret(key string) (string, bool) {
	if p == nil {
		return "", false
	}
	raw, ok := p.raw[key]
	return raw, ok
}

func (p *positions) isFailed(key string) bool {
	return p != nil && p.failed[key]
}

// sortByLine orders problems as they appear in the file, so that the list
// reads top to bottom; problems without a line (values from Go code) go last.
// The sort is stable: problems on one line keep the order of the fields.
func sortByLine(errs []error) {
	line := func(err error) int {
		var e *Error
		if errors.As(err, &e) && e.Line > 0 {
			return e.Line
		}
		return math.MaxInt
	}
	slices.SortStableFunc(errs, func(a, b error) int { return cmp.Compare(line(a), line(b)) })
}
