package extract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// newSentence is the paragraph the edit tests insert: an ordinary sentence, as an editor adds.
const newSentence = "The committee said on Tuesday that the revised figures would be published next month."

// sample picks the body paragraphs to edit: first, second, a few in the middle, last.
func sample(n int) []int {
	var out []int
	for _, i := range []int{0, 1, n / 3, n / 2, 2 * n / 3, n - 1} {
		if i >= 0 && i < n && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// bodyElem returns the DOM block holding exactly body paragraph i, or nil. A paragraph whose
// text the page shows twice (a pull quote repeating it) is ambiguous and skipped.
func bodyElem(doc *html.Node, body []string, i int) *html.Node {
	if i >= 0 && i < len(body) && len(elemsWithText(doc, body[i])) > 1 {
		return nil
	}
	n := paragraphAt(doc, body, i)
	if n == nil || squash(textOf(n)) != squash(body[i]) {
		return nil
	}
	for a := n; a != nil; a = a.Parent {
		if a.DataAtom == atom.Blockquote {
			return nil // a pull quote: nobody inserts paragraphs into one
		}
	}
	return n
}

// textNodes returns the text nodes under n in order.
func textNodes(n *html.Node) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			out = append(out, c)
		}
	}
	return out
}

// firstWord returns a word of at least 4 letters in s whose first occurrence in s is the word
// itself (not part of an earlier word).
func firstWord(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) < 4 {
			continue
		}
		i := strings.Index(s, w)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(w):])
		if (i == 0 || !unicode.IsLetter(before)) && !unicode.IsLetter(after) {
			return w
		}
	}
	return ""
}

// bumpDigit changes the first digit of s and reports whether there was one.
func bumpDigit(s string) (string, bool) {
	i := strings.IndexFunc(s, unicode.IsDigit)
	if i < 0 || s[i] < '0' || s[i] > '9' {
		return s, false
	}
	return s[:i] + string('0'+(s[i]-'0'+1)%10) + s[i+1:], true
}

// edit is one body edit; apply changes the DOM and returns the lines Text must then have,
// or nil when the edit does not apply to this paragraph.
type edit struct {
	name  string
	apply func(el *html.Node, lines []string, k int) []string
}

var edits = []edit{
	{"number changed", func(el *html.Node, lines []string, k int) []string {
		for _, tn := range textNodes(el) {
			if changed, ok := bumpDigit(tn.Data); ok {
				// The first digit of the element is the first digit of its line.
				want, _ := bumpDigit(lines[k])
				tn.Data = changed
				return replaceLine(lines, k, want)
			}
		}
		return nil
	}},
	{"word swapped", func(el *html.Node, lines []string, k int) []string {
		tns := textNodes(el)
		if len(tns) == 0 {
			return nil
		}
		w := firstWord(tns[0].Data)
		if w == "" || !strings.HasPrefix(lines[k], strings.TrimSpace(clean(tns[0].Data))) {
			return nil
		}
		tns[0].Data = strings.Replace(tns[0].Data, w, "pomegranate", 1)
		return replaceLine(lines, k, strings.Replace(lines[k], w, "pomegranate", 1))
	}},
	{"paragraph inserted after", func(el *html.Node, lines []string, k int) []string {
		insertAfter(el, elem("p", "", newSentence))
		return slices.Insert(slices.Clone(lines), k+1, newSentence)
	}},
	{"paragraph removed", func(el *html.Node, lines []string, k int) []string {
		el.Parent.RemoveChild(el)
		return slices.Delete(slices.Clone(lines), k, k+1)
	}},
}

func replaceLine(lines []string, k int, s string) []string {
	out := slices.Clone(lines)
	out[k] = s
	return out
}

// TestBodyEdits checks that edits of body paragraphs change Text exactly where they are: a
// changed number or word changes that line, an inserted paragraph is a line of its own after
// it, a removed paragraph's line is gone.
func TestBodyEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts every corpus page many times; skipped with -short")
	}
	for _, p := range loadCorpus(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			base := mustHTML(t, p.html)
			lines := strings.Split(base.Text(), "\n")
			offset := len(lines) - len(base.Body)
			tried := map[string]int{}
			for _, i := range sample(len(base.Body)) {
				for _, e := range edits {
					doc := parseDoc(t, p.html)
					el := bodyElem(doc, base.Body, i)
					if el == nil {
						continue
					}
					want := e.apply(el, lines, offset+i)
					if want == nil {
						continue
					}
					tried[e.name]++
					got := strings.Split(mustHTML(t, render(t, doc)).Text(), "\n")
					if !slices.Equal(got, want) {
						t.Errorf("%s in paragraph %d (%.60q):\n%s", e.name, i, base.Body[i],
							lineDiff(strings.Join(want, "\n"), strings.Join(got, "\n")))
					}
				}
			}
			for _, e := range edits {
				if e.name != "number changed" && tried[e.name] == 0 {
					t.Errorf("%s: no paragraph could be edited", e.name)
				}
			}
		})
	}
}

// leadClass matches the class words the brief names for standfirsts.
var leadClass = set("standfirst", "sapo", "chapo", "lead", "intro", "summary", "description",
	"desc", "excerpt", "subtitle", "deck", "dek")

// scriptCall reports text that is a script statement rather than prose, such as a tracking
// tag's "Krux('scrape', {...});" in a span its data-alias calls "BBC Meta Description": no
// lead, whatever its attributes say.
func scriptCall(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasSuffix(t, ");") || strings.Contains(t, "({") || strings.Contains(t, "('")
}

// TestTitleAndLeadEdits edits the title, every element near the title whose class names a
// standfirst, and every sentence paragraph between the h1 and the body, and checks that Text
// changes each time.
func TestTitleAndLeadEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts every corpus page many times; skipped with -short")
	}
	for _, p := range loadCorpus(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			base := mustHTML(t, p.html)
			doc := parseDoc(t, p.html)
			h1 := blockOf(elemWithText(doc, base.Title))
			if h1 == nil {
				t.Logf("no element holds the title %q", base.Title)
			}
			first := bodyElem(doc, base.Body, 0)
			// Paragraphs between title and body count when they hang off the path between the
			// two, as extract does: boxes nested elsewhere (galleries, captions) are not leads.
			spine := map[*html.Node]bool{}
			for _, end := range []*html.Node{h1, first} {
				for a := end; a != nil; a = a.Parent {
					spine[a] = true
				}
			}
			// Collect the targets by their position in a fresh DOM, then edit each in its own copy.
			var targets []int
			var names []string
			i := 0
			after := h1 == nil
			for n := range doc.Descendants() {
				i++
				if n == h1 {
					targets, names = append(targets, i), append(names, "title")
					after = true
					continue
				}
				if n == first {
					break
				}
				if !after || n.Type != html.ElementNode || (h1 != nil && contains(h1, n)) {
					continue
				}
				text := textOf(n)
				switch {
				case anyIn(classWords(n), leadClass) && utf8.RuneCountInString(text) >= 40 && !inFurniture(n) && !anyIn(classWords(n), notLead) && !scriptCall(text):
					targets, names = append(targets, i), append(names, fmt.Sprintf("<%s class=%q>", n.Data, attr(n, "class")))
				case n.DataAtom == atom.P && words(text) >= 10 && !inFurniture(n) && spine[n.Parent] && !notProse(n):
					targets, names = append(targets, i), append(names, "<p> before the body")
				}
			}
			for j, target := range targets {
				doc := parseDoc(t, p.html)
				k := 0
				for n := range doc.Descendants() {
					if k++; k != target {
						continue
					}
					tns := textNodes(n)
					var w string
					var tn *html.Node
					for _, c := range tns {
						if w = firstWord(c.Data); w != "" {
							tn = c
							break
						}
					}
					if tn == nil {
						t.Logf("%s: no word to edit", names[j])
						break
					}
					tn.Data = strings.Replace(tn.Data, w, "pomegranate", 1)
					got := mustHTML(t, render(t, doc)).Text()
					if got == base.Text() {
						t.Errorf("editing %s (%.80q) did not change Text", names[j], textOf(n))
					}
					break
				}
			}
		})
	}
}
