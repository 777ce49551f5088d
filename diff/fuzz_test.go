package diff

import (
	"strings"
	"testing"
	"time"
)

// FuzzCompute compares two arbitrary texts. Nothing may panic; the stats count the lines
// added and removed; the lines kept are as many on both sides; and each hunk's words are an
// exact edit: the "=" and "+" words spell whole consecutive lines of the new text inside
// the hunk's new range, the "=" and "-" words whole lines of the old text inside its old
// range. Comparing a text with itself is no change. Seeds are in testdata/fuzz/FuzzCompute.
func FuzzCompute(f *testing.F) {
	f.Add("Le Premier ministre\n65 pays ont signé.\nFin.", "Le Premier ministre\n72 pays ont signé.\nFin.")
	f.Add("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk", "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk\nl")
	f.Add("", "une ligne")
	f.Add("2\u202f500 délégués", "2\u202f800  délégués\r\n\n")
	f.Add("x\n\xff\xfe\n", "\xff\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		// The diff is exact (no time limit), so it must end on its own: a run that does not
		// is reported with its input rather than stalling the fuzzer without a word.
		var r Result
		done := make(chan struct{})
		go func() { r = Compute(old, new); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Compute of %d and %d bytes did not finish in 10 s", len(old), len(new))
		}
		if r.Stats.Added != len(r.Added) || r.Stats.Removed != len(r.Removed) {
			t.Fatalf("stats %+v for %d added, %d removed", r.Stats, len(r.Added), len(r.Removed))
		}
		a, b := split(Normalize(old)), split(Normalize(new))
		if len(a)-len(r.Removed) != len(b)-len(r.Added) {
			t.Fatalf("%d old lines - %d removed != %d new lines - %d added", len(a), len(r.Removed), len(b), len(r.Added))
		}
		if r.Empty() != (len(r.Hunks) == 0) || r.Empty() != (r.Unified == "") {
			t.Fatalf("empty %v with %d hunks and unified %q", r.Empty(), len(r.Hunks), r.Unified)
		}
		for _, h := range r.Hunks {
			var olds, news strings.Builder
			for _, w := range h.Words {
				switch w.Op {
				case "=":
					olds.WriteString(w.Text)
					news.WriteString(w.Text)
				case "-":
					olds.WriteString(w.Text)
				case "+":
					news.WriteString(w.Text)
				default:
					t.Fatalf("op %q", w.Op)
				}
			}
			if !spells(b, h.NewStart, h.NewLines, news.String()) {
				t.Fatalf("hunk %+v: new words %q are not lines of %q", h, news.String(), b)
			}
			if !spells(a, h.OldStart, h.OldLines, olds.String()) {
				t.Fatalf("hunk %+v: old words %q are not lines of %q", h, olds.String(), a)
			}
		}
		if same := Compute(new, new); !same.Empty() {
			t.Fatalf("a text differs from itself: %+v", same)
		}
	})
}

func split(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// spells reports whether s is lines[x:y] joined with newlines for some x <= y inside the
// 1-based range start, start+n.
func spells(lines []string, start, n int, s string) bool {
	lo, hi := start-1, start-1+n
	if n == 0 {
		lo, hi = start, start // an empty range: start is the line before it
	}
	if lo < 0 || hi > len(lines) || lo > hi {
		return false
	}
	region := lines[lo:hi]
	for x := 0; x <= len(region); x++ {
		rest := strings.Join(region[x:], "\n")
		if rest == s || strings.HasPrefix(rest, s+"\n") || (s == "" && x == len(region)) {
			return true
		}
	}
	return false
}
