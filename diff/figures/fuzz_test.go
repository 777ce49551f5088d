package figures

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are added to the committed corpus in testdata/fuzz.
var fuzzSeeds = [][2]string{
	{"Plus de 2\u202f500 délégués, 3,5 % du PIB, le 25 octobre 2025.", "fr"},
	{"72 quốc gia đã ký, ngày 25/10, hơn 2.500 đại biểu.", "vi"},
	{"$27,934.02, up 0.35% (No. 12), iOS 13.1, +84 24 3825 1234", "en"},
	{"大约3000万记录，2016年10月14日", ""},
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s[0], s[1])
	}
	x := realExtractor()
	f.Fuzz(func(t *testing.T, text, lang string) {
		cs := x.Extract(text, lang)
		lines := strings.Split(text, "\n")
		for _, c := range cs {
			if c.Line < 0 || c.Line >= len(lines) {
				t.Fatalf("line %d out of %d", c.Line, len(lines))
			}
			line := lines[c.Line]
			if c.Start < 0 || c.End > len(line) || c.Start >= c.End || line[c.Start:c.End] != c.Raw {
				t.Fatalf("offsets %d:%d do not give Raw %q in %q", c.Start, c.End, c.Raw, line)
			}
			if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) {
				t.Fatalf("value %v for %q", c.Value, c.Raw)
			}
			if !strings.Contains(c.Sentence, c.Raw) {
				t.Fatalf("sentence %q does not hold %q", c.Sentence, c.Raw)
			}
			if utf8.ValidString(text) && !utf8.ValidString(c.Subject) {
				t.Fatalf("invalid subject %q", c.Subject)
			}
		}
		if chs := Compare(cs, cs); len(chs) != 0 {
			t.Fatalf("a text compared with itself: %s", show(chs))
		}
		figs := 0
		for _, c := range cs {
			if c.IsFigure() {
				figs++
			}
		}
		added := Compare(nil, cs)
		if len(added) != figs {
			t.Fatalf("%d figures, %d added", figs, len(added))
		}
		if _, err := json.Marshal(added); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzCompare(f *testing.F) {
	f.Add("65 pays ont signé.\nPlus de 2 500 délégués.", "72 pays ont signé.\nPlus de 2 500 délégués.\n64 pays.", "fr")
	f.Add("12.5 Prozent", "32.5 Prozent", "de")
	x := realExtractor()
	f.Fuzz(func(t *testing.T, a, b, lang string) {
		ca, cb := x.Extract(a, lang), x.Extract(b, lang)
		chs := Compare(ca, cb)
		if _, err := json.Marshal(chs); err != nil {
			t.Fatal(err)
		}
		var before, after int
		for _, ch := range chs {
			if ch.Before == nil && ch.After == nil {
				t.Fatal("a change with neither value")
			}
			if ch.Before != nil {
				before++
			}
			if ch.After != nil {
				after++
			}
		}
		if before > len(ca) || after > len(cb) {
			t.Fatalf("%d/%d changes for %d/%d claims", before, after, len(ca), len(cb))
		}
	})
}

// TestPathologicalInputs guards against quadratic paths (each found once): runs of full
// stops, long words with apostrophes, huge one-sentence lines full of numbers. At this size
// a quadratic path takes seconds, a linear one milliseconds.
// pathological are inputs that once made a scanner quadratic: runs of one character,
// thousands of numbers, long words.
func pathological() map[string]string {
	const n = 50000
	return map[string]string{
		"stops":       "1 " + strings.Repeat(".", n) + "x",
		"apostrophes": "1 a" + strings.Repeat("'b", n/2),
		"numbers":     strings.Repeat("1 ", n/2),
		"words":       strings.Repeat("deux x ", n/7),
		"dates":       strings.Repeat("le 25 octobre, 1 200 pays. ", n/27),
		"cjk":         strings.Repeat("年1", n/4),
		"signs":       strings.Repeat("+1 ", n/3),
		"long word":   strings.Repeat("a", n) + " 5 " + strings.Repeat("b", n),
	}
}

// TestPathologicalInputs reads each pathological input and a changed copy to the end,
// without a panic, within the test's timeout. How long that takes is
// BenchmarkPathologicalInputs's business: a unit test asserts no speed.
func TestPathologicalInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("50 KB inputs")
	}
	x := realExtractor()
	for name, in := range pathological() {
		for _, c := range Compare(x.Extract(in, "fr"), x.Extract(strings.Replace(in, "1", "2", 5), "fr")) {
			if c.Before == nil && c.After == nil {
				t.Errorf("%s: a change from nothing to nothing: %+v", name, c)
			}
		}
	}
}

// BenchmarkPathologicalInputs times each pathological input: a quadratic scanner shows
// here as seconds instead of milliseconds.
func BenchmarkPathologicalInputs(b *testing.B) {
	x := realExtractor()
	for name, in := range pathological() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Compare(x.Extract(in, "fr"), x.Extract(strings.Replace(in, "1", "2", 5), "fr"))
			}
		})
	}
}
