package extract

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
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

// benchPage is a corpus page, its regions as HTML names them and as Locate completes them.
func benchPage(b *testing.B) (page []byte, named, located []Region) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "fr_lemonde_binet.html"))
	if err != nil {
		b.Skip(err)
	}
	text, _ := Decode(raw, "")
	a, _ := HTML(text, Options{})
	located = Locate([]byte(text), a.Regions)
	if len(located) == 0 {
		b.Fatal("no regions")
	}
	b.SetBytes(int64(len(raw)))
	return []byte(text), a.Regions, located
}

func BenchmarkFingerprint(b *testing.B) {
	page, _, rs := benchPage(b)
	for b.Loop() {
		if _, ok := Fingerprint(page, rs); !ok {
			b.Fatal("no fingerprint")
		}
	}
}

// BenchmarkLocate compares Locate's byte scan with the tokenizer pass it replaced.
func BenchmarkLocate(b *testing.B) {
	for name, locate := range map[string]func([]byte, []Region) []Region{"scan": Locate, "tokenizer": locateTokenized} {
		b.Run(name, func(b *testing.B) {
			page, rs, _ := benchPage(b)
			for b.Loop() {
				if locate(page, rs) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
}

// reading is how a region reads, for comparing scanRegion with the tokenizer: tag names
// lower-cased, texts entity-decoded and merged where they touch, NUL read as U+FFFD (the
// tokenizer replaces it in some places and not others).
type reading []string

func (ts *reading) add(kind byte, data string) {
	data = strings.ReplaceAll(data, "\x00", "\ufffd")
	if kind == 't' {
		if n := len(*ts); n > 0 && strings.HasPrefix((*ts)[n-1], "t") {
			(*ts)[n-1] += data
			return
		}
	}
	*ts = append(*ts, string(kind)+data)
}

// scanned is the region at b as scanRegion reads it.
func scanned(b []byte, tag string) (reading, bool) {
	var ts reading
	ok := scanRegion(b, tag, func(kind byte, data []byte) {
		if kind == 't' {
			text := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(data))
			ts.add('t', html.UnescapeString(text))
		} else {
			lower := bytes.Clone(data) // ASCII only, as the tokenizer lower-cases
			for i, c := range lower {
				if 'A' <= c && c <= 'Z' {
					lower[i] = c + 'a' - 'A'
				}
			}
			ts.add(kind, string(lower))
		}
	})
	return ts, ok
}

// tokenized is the region at b as golang.org/x/net/html's tokenizer reads it, by the rules
// scanRegion follows: script, style, noscript and template hidden, comments skipped.
func tokenized(b []byte, tag string) (reading, bool) {
	var ts reading
	z := html.NewTokenizer(bytes.NewReader(b))
	depth, skip := 0, 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return ts, false
		case html.TextToken:
			if skip == 0 {
				ts.add('t', string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if tt == html.EndTagToken {
				ts.add('/', string(name))
				if string(name) == tag {
					if depth--; depth == 0 {
						return ts, true
					}
				}
				continue
			}
			ts.add('<', string(name))
			if tt == html.StartTagToken && string(name) == tag && !voidElements[tag] {
				depth++
			}
		}
		if depth == 0 {
			return ts, false
		}
	}
}

// scanRegion reads every region of every corpus page as the tokenizer does: the fast
// path hashes what the full extraction reads.
func TestScanRegionMatchesTokenizer(t *testing.T) {
	pages := loadCorpus(t)
	compared := 0
	for _, pg := range pages {
		a := mustHTML(t, pg.html)
		page := []byte(pg.html)
		for _, r := range Locate(page, a.Regions) {
			at := nth(page, []byte(r.Raw), r.RawNth)
			want, wok := tokenized(page[at:], r.Tag)
			got, gok := scanned(page[at:], r.Tag)
			compared++
			if gok != wok || !slices.Equal(got, want) {
				t.Errorf("%s, region %s: scanned %d reading (closed %v), tokenizer %d (closed %v)\n%s", pg.name, r.Raw, len(got), gok, len(want), wok, firstDiff(got, want))
			}
		}
	}
	if compared < len(pages) {
		t.Fatalf("%d regions compared on %d pages: too few for the comparison to mean anything", compared, len(pages))
	}
}

func firstDiff(a, b reading) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("token %d: %q != %q", i, a[i], b[i])
		}
	}
	return "one is a prefix of the other"
}

// FuzzScanRegion: on any input where the tokenizer finds the region closed, the scan
// reads what it reads.
func FuzzScanRegion(f *testing.F) {
	for _, s := range []string{
		`<div class="a">Un <b>texte</b> &amp; 65 pays<script>if (a<b) x="</div>"</script> fin</div>`,
		`<div><!-- c --><p>a</p><!--> b <!---> c <style>p{}</style><noscript><p>x</p></noscript></div>`,
		`<div><img src="a>b" alt='c'/><br/><p a=/>t</p><textarea></div></textarea></div>`,
		`<DIV>a < b <a href=x>l</a><template><p>t</p></template></DIV>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		want, wok := tokenized(b, "div")
		got, gok := scanned(b, "div")
		if wok && (!gok || !slices.Equal(got, want)) {
			t.Fatalf("scanned %q (closed %v), tokenizer %q", got, gok, want)
		}
	})
}

// locateTokenized is Locate as golang.org/x/net/html's tokenizer reads the page: the
// reference that Locate's byte scan is held to.
func locateTokenized(page []byte, rs []Region) []Region {
	out := append([]Region(nil), rs...)
	seen := make([]int, len(out))
	found := 0
	z := html.NewTokenizer(bytes.NewReader(page))
	off := 0
	for found < len(out) {
		tt := z.Next()
		if tt == html.ErrorToken {
			return nil
		}
		raw := string(z.Raw())
		at := off
		off += len(raw)
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue // "<div/>" opens a div all the same
		}
		name, more := z.TagName()
		tag := string(name)
		var id, class *string
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			switch {
			case string(k) == "id" && id == nil:
				id = new(string(v))
			case string(k) == "class" && class == nil:
				class = new(string(v))
			}
		}
		for i := range out {
			r := &out[i]
			if r.Raw != "" || r.Tag != tag || r.ID != deref(id) || r.Class != deref(class) {
				continue
			}
			if seen[i] == r.Nth {
				r.Raw, r.RawNth = raw, strings.Count(string(page[:at]), raw)
				found++
			}
			seen[i]++
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Locate finds every corpus region where the tokenizer finds it, and a region of every
// start tag of the corpus pages that has an id or class: the byte scan skips comments,
// script and raw text as the tokenizer does.
func TestLocateMatchesTokenizer(t *testing.T) {
	compared := 0
	for _, pg := range loadCorpus(t) {
		a := mustHTML(t, pg.html)
		rs := a.Regions
		doc := parseDoc(t, pg.html)
		nth := map[Region]int{}
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode && (attr(n, "id") != "" || attr(n, "class") != "") {
				r := Region{Tag: n.Data, ID: attr(n, "id"), Class: attr(n, "class")}
				k := r
				r.Nth = nth[k]
				nth[k]++
				rs = append(rs, r)
			}
		}
		page := []byte(pg.html)
		step := 1
		if testing.Short() { // each comparison is a pass over the page: a sample of them
			step = max(1, len(rs)/40)
		}
		for i := 0; i < len(rs); i += step {
			r := rs[i]
			got, want := Locate(page, []Region{r}), locateTokenized(page, []Region{r})
			compared++
			if !slices.Equal(got, want) {
				t.Errorf("%s: Locate(%+v) = %+v, tokenizer %+v", pg.name, r, got, want)
			}
		}
	}
	if compared < 500 {
		t.Fatalf("only %d regions compared", compared)
	}
}

// FuzzLocate: on any input, Locate finds a region where the tokenizer does.
func FuzzLocate(f *testing.F) {
	for _, s := range []string{
		`<div class="a">x</div><!-- <div class="b"> --><script>"<div class='b'>"</script><div class="b">y</div>`,
		`<title><div id=t></title><DIV ID="t" class='a&amp;b'>z</DIV><div id="t" id="u">w</div>`,
		`<textarea><div class=b></textarea><div class=b/><div =class="b" class=b>v</div>`,
	} {
		f.Add(s, "b", uint8(0))
	}
	f.Fuzz(func(t *testing.T, s, class string, n uint8) {
		rs := []Region{{Tag: "div", Class: class, Nth: int(n % 4)}, {Tag: "div", ID: class}}
		for i := range rs {
			got, want := Locate([]byte(s), rs[i:i+1]), locateTokenized([]byte(s), rs[i:i+1])
			if !slices.Equal(got, want) {
				t.Fatalf("Locate(%+v) = %+v, tokenizer %+v", rs[i], got, want)
			}
		}
	})
}
