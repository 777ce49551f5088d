package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// corpusDir is the shared real-page corpus, outside the repository (third-party pages: they
// are read at test time, never copied in).
const corpusDir = "../../../shared/corpus/real"

// page is one corpus page.
type page struct {
	name     string
	html     string // decoded
	expected string // ground truth, "" for snippet pages
	with     []string
	without  []string
}

// loadCorpus reads the corpus or skips the test when it is absent.
func loadCorpus(tb testing.TB) []page {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if len(files) == 0 {
		tb.Skipf("corpus not found at %s (it lives in shared/, beside the repository): skipping", corpusDir)
	}
	sort.Strings(files)
	var out []page
	for _, f := range files {
		base := strings.TrimSuffix(f, ".json")
		raw, err := os.ReadFile(base + ".html")
		if err != nil {
			tb.Fatal(err)
		}
		text, err := Decode(raw, "")
		if err != nil {
			tb.Fatalf("%s: %v", base, err)
		}
		var meta struct {
			Snippets *struct {
				With    []string `json:"with"`
				Without []string `json:"without"`
			} `json:"expected_snippets"`
		}
		js, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(js, &meta); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		p := page{name: filepath.Base(base), html: text}
		if exp, err := os.ReadFile(base + ".expected.txt"); err == nil {
			p.expected = string(exp)
		}
		if meta.Snippets != nil {
			p.with, p.without = meta.Snippets.With, meta.Snippets.Without
		}
		out = append(out, p)
	}
	return out
}

// tokens splits text into lower-case NFC tokens: runs of letters and digits, except that Han
// and kana characters are one token each, since those scripts put no spaces between words (a
// whole Chinese sentence would otherwise be one token, and one stray character would cost the
// sentence).
func tokens(s string) map[string]int {
	s = strings.ToLower(norm.NFC.String(s))
	m := map[string]int{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			m[string(cur)]++
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case isCJK(r):
			flush()
			m[string(r)]++
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return m
}

// loose normalises what ground truth and pages write differently: every space is a plain
// space, typographic apostrophes are straight.
func loose(s string) string {
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	return strings.NewReplacer("’", "'", "‘", "'").Replace(s)
}

// f1 is the token F1 of got against want (multiset overlap).
func f1(got, want string) float64 {
	g, w := tokens(got), tokens(want)
	var ng, nw, both int
	for k, v := range g {
		ng += v
		both += min(v, w[k])
	}
	for _, v := range w {
		nw += v
	}
	if both == 0 {
		return 0
	}
	p, r := float64(both)/float64(ng), float64(both)/float64(nw)
	return 2 * p * r / (p + r)
}

// Targets for the corpus: the watcher is only as good as the text it diffs.
const (
	minMeanF1 = 0.97
	minPageF1 = 0.93
)

func TestCorpus(t *testing.T) {
	pages := loadCorpus(t)
	var sum, sumText float64
	n := 0
	worst := 1.0
	t.Logf("%-30s %7s %7s %6s %6s", "page", "F1body", "F1text", "paras", "ms")
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			start := time.Now()
			a, err := HTML(p.html, Options{})
			ms := time.Since(start).Seconds() * 1000
			if err != nil {
				t.Fatalf("HTML: %v", err)
			}
			body := strings.Join(a.Body, "\n")
			if a.Lead != "" {
				body = a.Lead + "\n" + body
			}
			if p.expected == "" {
				text := loose(a.Text())
				for _, s := range p.with {
					if !strings.Contains(text, loose(s)) {
						t.Errorf("missing %q", s)
					}
				}
				for _, s := range p.without {
					if strings.Contains(text, loose(s)) {
						t.Errorf("boilerplate %q in text", s)
					}
				}
				t.Logf("%-30s %7s %7s %6d %6.1f (snippets)", p.name, "-", "-", len(a.Body), ms)
				return
			}
			fb, ft := f1(body, p.expected), f1(a.Text(), p.expected)
			sum, sumText, n = sum+fb, sumText+ft, n+1
			worst = min(worst, fb)
			t.Logf("%-30s %7.3f %7.3f %6d %6.1f", p.name, fb, ft, len(a.Body), ms)
			if fb < minPageF1 {
				t.Errorf("token F1 %.3f < %.2f", fb, minPageF1)
			}
		})
	}
	if n == 0 {
		t.Fatal("no page with ground truth")
	}
	mean := sum / float64(n)
	t.Logf("mean F1 body %.4f (text %.4f), min %.4f over %d pages", mean, sumText/float64(n), worst, n)
	if mean < minMeanF1 {
		t.Errorf("mean token F1 %.4f < %.2f", mean, minMeanF1)
	}
}

func BenchmarkHTML(b *testing.B) {
	pages := loadCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			if _, err := HTML(p.html, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(pages)), "ms/page")
}

// TestDetachFurniture: the extractor sees no navigation, aside, footer or menu, and the page
// comes back exactly as it was, on a made-up page with furniture side by side and nested,
// and on every real page.
func TestDetachFurniture(t *testing.T) {
	pages := []page{{name: "made-up", html: `<body><nav>a</nav><aside>b</aside><p>c<footer>d<menu>e</menu></footer></p><div><nav><footer>f</footer></nav>g</div><aside>h</aside>`}}
	pages = append(pages, loadCorpus(t)...)
	for _, p := range pages {
		doc, err := html.Parse(strings.NewReader(p.html))
		if err != nil {
			t.Fatal(err)
		}
		prepare(doc)
		var before, after strings.Builder
		if err := html.Render(&before, doc); err != nil {
			t.Fatal(err)
		}
		restore := detachFurniture(doc)
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode && (n.DataAtom == atom.Nav || n.DataAtom == atom.Aside || n.DataAtom == atom.Footer || n.DataAtom == atom.Menu) {
				t.Fatalf("%s: <%s> left in", p.name, n.Data)
			}
		}
		restore()
		if err := html.Render(&after, doc); err != nil {
			t.Fatal(err)
		}
		if after.String() != before.String() {
			t.Errorf("%s: the page is not restored as it was", p.name)
		}
	}
}
