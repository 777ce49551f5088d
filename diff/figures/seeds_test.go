package figures

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"hanoiwatch/seeds"
)

// seedDir holds the five French seed articles, outside the repository: the tests read them
// where they are and skip when they are absent.
const seedDir = "../../../shared/seeds"

// realExtractor builds an Extractor with the project's subjects table.
func realExtractor() *Extractor {
	var ss []Subject
	for _, s := range seeds.Subjects() {
		ss = append(ss, Subject(s))
	}
	return New(ss)
}

// expectedFigure is one hand-listed figure of a seed article.
type expectedFigure struct {
	Value   float64 `json:"value"`
	Key     string  `json:"key"`
	Subject string  `json:"subject"`
	Metric  bool    `json:"metric"`
}

// seedTexts reads the seed articles, skipping the test when they are absent.
func seedTexts(tb testing.TB) map[string]string {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(seedDir, "*.txt"))
	if len(files) == 0 {
		tb.Skipf("no seed articles in %s (they live outside the repository, in /work/shared/seeds)", seedDir)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

// TestSeedsPrecisionRecall measures the figures extracted from the seed articles against the
// hand-made list: a figure matches an expected one with the same value and key (as a multiset).
func TestSeedsPrecisionRecall(t *testing.T) {
	texts := seedTexts(t)
	raw, err := os.ReadFile("testdata/seeds_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	x := realExtractor()
	var names []string
	for name := range texts {
		names = append(names, name)
	}
	sort.Strings(names)
	var tp, got, want, metrics, metricsFound int
	for _, name := range names {
		var exp []expectedFigure
		if err := json.Unmarshal(all[name], &exp); err != nil || exp == nil {
			t.Errorf("%s: no expected figures in testdata/seeds_expected.json (%v)", name, err)
			continue
		}
		var figs []Claim
		for _, c := range x.Extract(texts[name], "fr") {
			if c.IsFigure() {
				figs = append(figs, c)
			}
		}
		used := make([]bool, len(figs))
		found := 0
		for _, e := range exp {
			hit := false
			for i, c := range figs {
				if !used[i] && c.Value == e.Value && c.Key == e.Key {
					used[i], hit = true, true
					break
				}
			}
			if hit {
				found++
			} else {
				t.Logf("%s: missed %v (key %q, %s)", name, e.Value, e.Key, e.Subject)
			}
			if e.Metric {
				metrics++
				if hit {
					metricsFound++
				} else {
					t.Errorf("%s: key metric %v (%s) not found with key %q", name, e.Value, e.Subject, e.Key)
				}
			}
		}
		for i, c := range figs {
			if !used[i] {
				t.Logf("%s: unexpected %q = %v key %q subject %q in %q", name, c.Raw, c.Value, c.Key, c.Subject, c.Sentence)
			}
		}
		t.Logf("%s: precision %d/%d, recall %d/%d", name, found, len(figs), found, len(exp))
		tp += found
		got += len(figs)
		want += len(exp)
	}
	precision, recall := ratio(tp, got), ratio(tp, want)
	t.Logf("overall: precision %.1f %% (%d/%d), recall %.1f %% (%d/%d), key metrics %d/%d",
		100*precision, tp, got, 100*recall, tp, want, metricsFound, metrics)
	if precision < 0.95 {
		t.Errorf("precision %.1f %% < 95 %%", 100*precision)
	}
	if metricsFound != metrics {
		t.Errorf("key metrics recall %d/%d < 100 %%", metricsFound, metrics)
	}
}

// ratio is a/b, 1 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// BenchmarkExtractSeeds extracts the figures of the five seed articles; ns/op is per page.
func BenchmarkExtractSeeds(b *testing.B) { benchSeeds(b, "fr") }

// BenchmarkExtractSeedsGuessLang is BenchmarkExtractSeeds with the language guessed from the text.
func BenchmarkExtractSeedsGuessLang(b *testing.B) { benchSeeds(b, "") }

// benchSeeds extracts the seed articles in turn with lang.
func benchSeeds(b *testing.B, lang string) {
	texts := seedTexts(b)
	var pages []string
	size := 0
	for _, t := range texts {
		pages = append(pages, t)
		size += len(t)
	}
	sort.Strings(pages)
	x := realExtractor()
	b.SetBytes(int64(size / len(pages)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.Extract(pages[i%len(pages)], lang)
	}
}
