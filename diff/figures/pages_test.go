package figures

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds real news pages with their ground-truth text (NAME.expected.txt, paragraphs
// separated by blank lines), outside the repository.
const corpusDir = "../../../shared/corpus/real"

// page is one real article text, one paragraph per line, as the pipeline passes it.
type page struct{ name, lang, text string }

// realPages reads the seed articles and the corpus texts, skipping the test when absent.
func realPages(t *testing.T) []page {
	var out []page
	for name, text := range seedTexts(t) {
		out = append(out, page{name, "fr", text})
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.expected.txt"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var paras []string
		for _, p := range regexp.MustCompile(`\n\s*\n`).Split(string(b), -1) {
			if p = strings.TrimSpace(p); p != "" {
				paras = append(paras, strings.ReplaceAll(p, "\n", " "))
			}
		}
		name := filepath.Base(f)
		out = append(out, page{name, name[:2], strings.Join(paras, "\n")})
	}
	return out
}

// bumpLeading changes the leading digit of a number as written, keeping its format
// ("41" → "61", "2 500" → "4 500").
func bumpLeading(raw string) string {
	next := map[byte]byte{'0': '5', '1': '3', '2': '4', '3': '5', '4': '6', '5': '7', '6': '8', '7': '9', '8': '6', '9': '7'}
	i := strings.IndexAny(raw, "0123456789")
	return raw[:i] + string(next[raw[i]]) + raw[i+1:]
}

// readerValue reads a number as written, independently of the extractor: the rules of the
// package doc, written the short way.
func readerValue(raw string, decComma bool) (float64, bool) {
	t := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "\u2009", "", "−", "-").Replace(raw)
	if decComma {
		if regexp.MustCompile(`^-?\d{1,3}(\.\d{3})+(,\d+)?$`).MatchString(t) {
			t = strings.ReplaceAll(t, ".", "")
		}
		if regexp.MustCompile(`^-?\d{1,3}(,\d{3}){2,}$`).MatchString(t) {
			t = strings.ReplaceAll(t, ",", "")
		}
		if strings.Count(t, ".") > 1 || strings.Count(t, ",") > 1 || strings.Contains(t, ".") && strings.Contains(t, ",") {
			return 0, false
		}
		t = strings.ReplaceAll(t, ",", ".")
	} else {
		t = strings.ReplaceAll(t, ",", "")
	}
	v, err := strconv.ParseFloat(t, 64)
	return v, err == nil
}

// TestEditsOnRealPages makes, on real article texts, the edits the external evaluation makes:
// every number edited in place (its leading digit changed) must come out as one Change with
// the values a reader reads; an inserted paragraph must add 72; a word swapped without
// touching a number must give no change.
func TestEditsOnRealPages(t *testing.T) {
	pages := realPages(t)
	x := realExtractor()
	inserts := map[string]string{
		"fr": "Selon l'ONU, 72 pays ont signé la Convention, dont 64 lors de la séance plénière.",
		"en": "According to the UN, 72 countries signed the Convention, 64 of them at the plenary.",
		"vi": "Theo Liên Hợp Quốc, 72 quốc gia đã ký Công ước, trong đó 64 quốc gia ký tại phiên toàn thể.",
	}
	swaps := [][2]string{{"a déclaré", "a affirmé"}, {"également", "aussi"}, {"selon", "d'après"}, {"personnes", "individus"},
		{"said", "stated"}, {"also", "additionally"}, {"people", "residents"}, {"will", "may"}, {"large", "big"},
		{"cho biết", "khẳng định"}, {"tuy nhiên", "song"}, {"quan trọng", "then chốt"}}
	var edits, inserted, swapped int
	for _, p := range pages {
		li := infoFor(p.lang, p.text)
		before := x.Extract(p.text, p.lang)
		lines := strings.Split(p.text, "\n")
		for _, c := range before {
			if len(lines[c.Line]) < 40 || strings.ContainsAny(c.Raw, "-−") || !strings.ContainsAny(c.Raw, "0123456789") {
				continue
			}
			old, ok1 := readerValue(c.Raw, li.decComma)
			nr := bumpLeading(c.Raw)
			nv, ok2 := readerValue(nr, li.decComma)
			if !ok1 || !ok2 || old == 0 {
				continue
			}
			scale := c.Value / old // scale words folded into Value ("8,4 milliards")
			edited := append([]string(nil), lines...)
			edited[c.Line] = lines[c.Line][:c.Start] + nr + lines[c.Line][c.End:]
			chs := Compare(before, x.Extract(strings.Join(edited, "\n"), p.lang))
			edits++
			if len(chs) != 1 || chs[0].Before == nil || chs[0].After == nil || *chs[0].Before != c.Value || !near(*chs[0].After, nv*scale) {
				t.Errorf("%s: %q → %q in %q: got %s, want %v → %v", p.name, c.Raw, nr, c.Sentence, show(chs), c.Value, nv*scale)
			}
		}
		ins := inserts[p.lang]
		if ins == "" {
			ins = inserts["en"]
		}
		for n := range lines {
			if len(lines[n]) < 40 {
				continue
			}
			edited := append(append(append([]string(nil), lines[:n+1]...), ins), lines[n+1:]...)
			chs := Compare(before, x.Extract(strings.Join(edited, "\n"), p.lang))
			inserted++
			if len(chs) != 2 || chs[0].Before != nil || chs[0].After == nil || *chs[0].After != 72 {
				t.Errorf("%s: paragraph inserted after line %d: got %s", p.name, n, show(chs))
			}
			for _, sw := range swaps {
				if !strings.Contains(lines[n], sw[0]) {
					continue
				}
				edited := append([]string(nil), lines...)
				edited[n] = strings.Replace(lines[n], sw[0], sw[1], 1)
				swapped++
				if chs := Compare(before, x.Extract(strings.Join(edited, "\n"), p.lang)); len(chs) != 0 {
					t.Errorf("%s: %q → %q in line %d: got %s", p.name, sw[0], sw[1], n, show(chs))
				}
			}
		}
	}
	t.Logf("%d pages: %d numbers edited, %d paragraphs inserted, %d words swapped", len(pages), edits, inserted, swapped)
}

// near compares values up to rounding.
func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(1, b, -b)
}
