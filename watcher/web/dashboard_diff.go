package web

import (
	"fmt"
	"strings"

	"hanoiwatch/diff"
)

// HunkView is one hunk of a diff laid out for the page: rows for the side-by-side view and
// lines for the inline view, both cut from the hunk's word-level edit.
type HunkView struct {
	Header string
	Rows   []DiffRow
	Inline []DiffLine
}

// DiffRow is one row of the side-by-side view; a nil side has no line there (a paragraph
// added or removed).
type DiffRow struct {
	Old, New *DiffLine
	Changed  bool
}

// DiffLine is one line (paragraph) of text cut into runs that were kept, removed or added.
type DiffLine struct {
	No   int // 1-based line number in its text; 0 in the inline view
	Segs []diff.Word
}

// Class names the line for the page: "del" for a paragraph removed whole, "ins" for one
// added whole, "mod" for an edited one, "" for context.
func (l DiffLine) Class() string {
	var eq, del, ins bool
	for _, s := range l.Segs {
		switch s.Op {
		case "=":
			eq = eq || strings.TrimSpace(s.Text) != ""
		case "-":
			del = true
		case "+":
			ins = true
		}
	}
	switch {
	case !eq && del && !ins:
		return "del"
	case !eq && ins && !del:
		return "ins"
	case del || ins:
		return "mod"
	}
	return ""
}

// hunkViews lays out the hunks of res, the diff of texts a and b. Each hunk's Words cover
// its changed lines only; the context lines around them come from the texts.
func hunkViews(a, b string, res diff.Result) []HunkView {
	al, bl := splitText(a), splitText(b)
	out := make([]HunkView, 0, len(res.Hunks))
	for _, h := range res.Hunks {
		oldR := window(al, h.OldStart, h.OldLines)
		newR := window(bl, h.NewStart, h.NewLines)
		oldPart, newPart := sides(h.Words)
		// Lead context: the lines both ranges start with, as many as the ranges hold
		// beyond the changed part.
		lead := 0
		for lead < len(oldR) && lead < len(newR) && oldR[lead] == newR[lead] &&
			lead < len(oldR)-oldPart && lead < len(newR)-newPart {
			lead++
		}
		hv := HunkView{Header: fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)}
		context := func(o, n int) {
			l := &DiffLine{No: h.OldStart + o, Segs: []diff.Word{{Op: "=", Text: oldR[o]}}}
			r := &DiffLine{No: h.NewStart + n, Segs: l.Segs}
			hv.Rows = append(hv.Rows, DiffRow{Old: l, New: r})
			hv.Inline = append(hv.Inline, DiffLine{Segs: l.Segs})
		}
		for i := 0; i < lead; i++ {
			context(i, i)
		}
		rows, inline := layout(h.Words, oldPart > 0, newPart > 0, h.OldStart+lead, h.NewStart+lead)
		hv.Rows = append(hv.Rows, rows...)
		hv.Inline = append(hv.Inline, inline...)
		for o, n := lead+oldPart, lead+newPart; o < len(oldR) && n < len(newR); o, n = o+1, n+1 {
			context(o, n)
		}
		out = append(out, hv)
	}
	return out
}

func splitText(s string) []string {
	if s = diff.Normalize(s); s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// window returns lines [start, start+n) of ls, 1-based, clipped to ls.
func window(ls []string, start, n int) []string {
	i := min(max(start-1, 0), len(ls))
	return ls[i:min(i+n, len(ls))]
}

// sides counts the lines of the old and new side of a word-level edit.
func sides(ws []diff.Word) (old, new int) {
	var o, n strings.Builder
	for _, w := range ws {
		if w.Op != "+" {
			o.WriteString(w.Text)
		}
		if w.Op != "-" {
			n.WriteString(w.Text)
		}
	}
	count := func(s string) int {
		if s == "" {
			return 0
		}
		return strings.Count(s, "\n") + 1
	}
	return count(o.String()), count(n.String())
}

// layout cuts a word-level edit into lines. A newline in a kept run ends a line on both
// sides at once: the lines gathered since the last one are paired there, a paragraph
// removed (or added) whole standing alone on its side.
func layout(ws []diff.Word, hasOld, hasNew bool, oldNo, newNo int) ([]DiffRow, []DiffLine) {
	var rows []DiffRow
	var inline []DiffLine
	var left, right []*DiffLine // lines since the last shared line end
	curL, curR, curI := &DiffLine{}, &DiffLine{}, &DiffLine{}
	endL := func() { curL.No = oldNo; oldNo++; left = append(left, curL); curL = &DiffLine{} }
	endR := func() { curR.No = newNo; newNo++; right = append(right, curR); curR = &DiffLine{} }
	pair := func() {
		i, j := 0, 0
		for i < len(left) || j < len(right) {
			switch {
			case i < len(left) && j < len(right) && left[i].Class() == "del" && right[j].Class() == "ins":
				// A paragraph rewritten whole: the old beside the new.
				rows = append(rows, DiffRow{Old: left[i], New: right[j], Changed: true})
				i, j = i+1, j+1
			case i < len(left) && (j == len(right) || left[i].Class() == "del"):
				rows = append(rows, DiffRow{Old: left[i], Changed: true})
				i++
			case j < len(right) && (i == len(left) || right[j].Class() == "ins"):
				rows = append(rows, DiffRow{New: right[j], Changed: true})
				j++
			default:
				rows = append(rows, DiffRow{Old: left[i], New: right[j], Changed: left[i].Class() != "" || right[j].Class() != ""})
				i, j = i+1, j+1
			}
		}
		left, right = nil, nil
	}
	for _, w := range ws {
		for k, part := range strings.Split(w.Text, "\n") {
			if k > 0 {
				switch w.Op {
				case "=":
					endL()
					endR()
					pair()
				case "-":
					endL()
				case "+":
					endR()
				}
				inline = append(inline, *curI)
				curI = &DiffLine{}
			}
			if part == "" {
				continue
			}
			seg := diff.Word{Op: w.Op, Text: part}
			if w.Op != "+" {
				curL.Segs = append(curL.Segs, seg)
			}
			if w.Op != "-" {
				curR.Segs = append(curR.Segs, seg)
			}
			curI.Segs = append(curI.Segs, seg)
		}
	}
	if hasOld {
		endL()
	}
	if hasNew {
		endR()
	}
	pair()
	if len(curI.Segs) > 0 {
		inline = append(inline, *curI)
	}
	return rows, inline
}
