package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fast path may only say "unchanged" when the full extraction would: for every corpus
// page, boilerplate churn keeps the fingerprint (the fast path works) and every body, title
// or lead edit changes it (the fast path never hides a real change).
func TestFingerprintOnCorpus(t *testing.T) {
	pages := loadCorpus(t)
	fast := 0
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			page := pg.html
			a, err := HTML(page, Options{})
			if err != nil {
				t.Fatal(err)
			}
			a.Regions = Locate([]byte(page), a.Regions)
			fp, ok := Fingerprint([]byte(page), a.Regions)
			if !ok {
				t.Logf("no fast path (regions %v)", a.Regions)
				return
			}
			fast++
			// Churn outside the article: a script, an ad, a counter at the top of the body.
			churned := strings.Replace(page, "<body", "<div class=\"ad-slot\" data-rev=\"x1\"><span>Publicité</span></div><script>var t=1</script><body", 1)
			if i := strings.Index(churned, "</body>"); i > 0 {
				churned = churned[:i] + "<aside><ul><li><a href=/x>1 234 views</a></li></ul></aside>" + churned[i:]
			}
			if got, ok := Fingerprint([]byte(churned), a.Regions); !ok || got != fp {
				t.Errorf("boilerplate churn changed the fingerprint (ok=%v)", ok)
			}
			// Every line of the article, edited in the page, changes the fingerprint.
			lines := append([]string{a.Title, a.Lead}, a.Body...)
			for i, line := range lines {
				word := longestWord(line)
				if word == "" || !strings.Contains(page, word) {
					continue
				}
				if testing.Short() && i > 4 {
					break
				}
				edited := strings.Replace(page, word, word+"x", -1)
				b, err := HTML(edited, Options{})
				if err != nil || b.Text() == a.Text() {
					continue // the edit did not reach the article text
				}
				if got, ok := Fingerprint([]byte(edited), a.Regions); ok && got == fp {
					t.Errorf("line %d edited (%q), fingerprint unchanged", i, word)
				}
			}
		})
	}
	t.Logf("fast path available on %d of %d pages", fast, len(pages))
	if fast*2 < len(pages) {
		t.Errorf("fast path available on only %d of %d pages", fast, len(pages))
	}
}

func longestWord(s string) string {
	best := ""
	for _, w := range strings.Fields(s) {
		if len(w) > len(best) && strings.IndexFunc(w, func(r rune) bool { return r == '&' || r == '<' || r == '>' || r == '"' || r == '\'' }) < 0 {
			best = w
		}
	}
	return best
}

func BenchmarkFingerprint(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "fr_lemonde_binet.html"))
	if err != nil {
		b.Skip(err)
	}
	page, _ := Decode(raw, "")
	a, _ := HTML(page, Options{})
	rs := Locate([]byte(page), a.Regions)
	if len(rs) == 0 {
		b.Skip("no regions")
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, ok := Fingerprint([]byte(page), rs); !ok {
			b.Fatal("no fingerprint")
		}
	}
}
