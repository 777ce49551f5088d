// Package diff compares two versions of an article's text: a line-level unified diff for
// people, word-level hunks for machines, and the lines added and removed. Texts are one
// paragraph per line. Whitespace is not content: lines are compared with their runs of
// white space folded, so a whitespace-only edit is no change at all.
package diff

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Context is the number of unchanged lines shown around each change in Unified.
const Context = 3

// Result is the difference between two texts. Its JSON form is the `diff` object of events.
type Result struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Unified string   `json:"unified"`
	Hunks   []Hunk   `json:"hunks,omitempty"`
	Stats   Stats    `json:"stats"`
}

// Stats counts the lines added and removed.
type Stats struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

// Hunk is one changed region: line ranges (1-based) in the old and new text, and the
// word-level edit that turns the old lines into the new ones.
type Hunk struct {
	OldStart int    `json:"old_start"`
	OldLines int    `json:"old_lines"`
	NewStart int    `json:"new_start"`
	NewLines int    `json:"new_lines"`
	Words    []Word `json:"words"`
}

// Word is one word-level operation: Op is "=" (kept), "-" (removed) or "+" (added).
type Word struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// Empty reports whether the two texts were the same.
func (r Result) Empty() bool { return len(r.Added) == 0 && len(r.Removed) == 0 }

// Compute compares old and new line by line.
func Compute(old, new string) Result {
	a, b := lines(old), lines(new)
	ops := diffTokens(a, b)
	var r Result
	var uni strings.Builder
	// Walk the edit script, gathering each changed region with its context.
	type span struct{ i, j int } // positions in a and b
	pos := make([]span, len(ops)+1)
	i, j := 0, 0
	for k, op := range ops {
		pos[k] = span{i, j}
		switch op.Type {
		case diffmatchpatch.DiffEqual:
			i, j = i+1, j+1
		case diffmatchpatch.DiffDelete:
			i++
			r.Removed = append(r.Removed, op.tok)
		case diffmatchpatch.DiffInsert:
			j++
			r.Added = append(r.Added, op.tok)
		}
	}
	pos[len(ops)] = span{i, j}
	r.Stats = Stats{Added: len(r.Added), Removed: len(r.Removed)}
	if r.Empty() {
		return r
	}
	for k := 0; k < len(ops); {
		if ops[k].Type == diffmatchpatch.DiffEqual {
			k++
			continue
		}
		// A hunk runs from this change to the last change that is at most 2*Context equal
		// lines further on, so that nearby edits share one hunk as in `diff -u`.
		start, end := k, k
		for n := k; n < len(ops); n++ {
			if ops[n].Type != diffmatchpatch.DiffEqual {
				end = n
				continue
			}
			if n-end > 2*Context {
				break
			}
		}
		from := max(start-Context, 0)
		to := min(end+Context+1, len(ops))
		h := Hunk{OldStart: pos[from].i + 1, NewStart: pos[from].j + 1,
			OldLines: pos[to].i - pos[from].i, NewLines: pos[to].j - pos[from].j}
		// An empty range is named by the line before it, as `diff -u` and patch have it:
		// "@@ -0,0 +1,2 @@" for a text that was empty, not "-1,0", which is after line 1.
		if h.OldLines == 0 {
			h.OldStart--
		}
		if h.NewLines == 0 {
			h.NewStart--
		}
		fmt.Fprintf(&uni, "@@ -%d,%d +%d,%d @@\n", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
		var oldPart, newPart []string
		for n := from; n < to; n++ {
			switch ops[n].Type {
			case diffmatchpatch.DiffEqual:
				uni.WriteString(" " + ops[n].tok + "\n")
				if n > start && n < end {
					oldPart, newPart = append(oldPart, ops[n].tok), append(newPart, ops[n].tok)
				}
			case diffmatchpatch.DiffDelete:
				uni.WriteString("-" + ops[n].tok + "\n")
				oldPart = append(oldPart, ops[n].tok)
			case diffmatchpatch.DiffInsert:
				uni.WriteString("+" + ops[n].tok + "\n")
				newPart = append(newPart, ops[n].tok)
			}
		}
		h.Words = Words(strings.Join(oldPart, "\n"), strings.Join(newPart, "\n"))
		r.Hunks = append(r.Hunks, h)
		k = end + 1
	}
	r.Unified = uni.String()
	return r
}

// Words compares two texts word by word; runs of white space are kept as their own tokens
// so that joining the Text of the "=" and "+" words gives back the new text.
func Words(old, new string) []Word {
	ops := diffTokens(words(old), words(new))
	var out []Word
	for _, op := range ops {
		o := map[diffmatchpatch.Operation]string{diffmatchpatch.DiffEqual: "=", diffmatchpatch.DiffDelete: "-", diffmatchpatch.DiffInsert: "+"}[op.Type]
		if n := len(out); n > 0 && out[n-1].Op == o {
			out[n-1].Text += op.tok
			continue
		}
		out = append(out, Word{Op: o, Text: op.tok})
	}
	return out
}

// Colorize paints a unified diff for a terminal: removed lines red, added green, hunk
// headers cyan.
func Colorize(unified string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(unified, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			b.WriteString("\x1b[36m" + strings.TrimSuffix(l, "\n") + "\x1b[0m\n")
		case strings.HasPrefix(l, "-"):
			b.WriteString("\x1b[31m" + strings.TrimSuffix(l, "\n") + "\x1b[0m\n")
		case strings.HasPrefix(l, "+"):
			b.WriteString("\x1b[32m" + strings.TrimSuffix(l, "\n") + "\x1b[0m\n")
		default:
			b.WriteString(l)
		}
	}
	return b.String()
}

// Normalize folds the white space of every line and drops empty lines: the form in which
// texts are compared and stored.
func Normalize(text string) string {
	return strings.Join(lines(text), "\n")
}

func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.Join(strings.FieldsFunc(l, isSpace), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// isSpace is unicode.IsSpace without the no-break spaces: "2 500" (U+00A0, U+202F) is one
// French number, and folding its separator would change what the figure extractor reads.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) && r != '\u00a0' && r != '\u202f'
}

// words splits a line into the tokens the word diff compares: runs of letters, runs of
// white space, one punctuation mark each, and numbers whole. A number keeps its grouping and
// decimal separators ("2 500", "2\u202f500", "1,234.5", "3,5"), so that "2 500" → "3 000" is
// one replacement rather than "2→3" and "500→000".
func words(s string) []string {
	var out []string
	start := 0
	prev := -1 // 0: word, 1: space, 2: punctuation (one token each), 3: number
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= '0' && r <= '9' {
			if i > start {
				out = append(out, s[start:i])
			}
			end := numberEnd(s, i)
			out = append(out, s[i:end])
			start, i, prev = end, end, 3
			continue
		}
		cls := 0
		switch {
		case unicode.IsSpace(r):
			cls = 1
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			cls = 2
		}
		if i > start && (cls != prev || cls == 2) {
			out = append(out, s[start:i])
			start = i
		}
		prev = cls
		i += size
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// numberEnd returns the end of the number whose first digit is at i: digits, and a single
// separator followed by more digits when it groups thousands (a space, U+00A0, U+202F or
// U+2009 after a first group of one to three digits and before exactly three digits: "in
// 2025 100 countries" stays two numbers) or may be a decimal mark or a grouping comma or
// dot ("." or "," between digits).
func numberEnd(s string, i int) int {
	j := digitsEnd(s, i)
	first := j - i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		k := j + size
		if k >= len(s) || s[k] < '0' || s[k] > '9' {
			break
		}
		e := digitsEnd(s, k)
		switch {
		case r == '.' || r == ',':
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009':
			if first > 3 || e-k != 3 {
				return j
			}
		default:
			return j
		}
		j = e
	}
	return j
}

// digitsEnd returns the end of the run of ASCII digits starting at i.
func digitsEnd(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

type tokOp struct {
	Type diffmatchpatch.Operation
	tok  string
}

// diffTokens runs diff-match-patch over token sequences: each distinct token becomes one
// rune, the same trick as its line mode, so the diff works on whole lines or words.
func diffTokens(a, b []string) []tokOp {
	ids := map[string]rune{}
	var toks []string
	enc := func(seq []string) []rune {
		rs := make([]rune, len(seq))
		for i, t := range seq {
			id, ok := ids[t]
			if !ok {
				// Skip the surrogate range: those are not valid runes.
				id = rune(len(toks))
				if id >= 0xD800 {
					id += 0x800
				}
				ids[t] = id
				toks = append(toks, t)
			}
			rs[i] = id
		}
		return rs
	}
	ra, rb := enc(a), enc(b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // exact, deterministic diffs: the same change always gives the same event
	var out []tokOp
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		for _, r := range d.Text {
			id := int(r)
			if id >= 0xD800+0x800 {
				id -= 0x800
			}
			out = append(out, tokOp{Type: d.Type, tok: toks[id]})
		}
	}
	return out
}
