package extract

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The tests in this file mutate corpus pages through the DOM and check what the watcher needs:
// boilerplate churn leaves Text byte-identical, body edits change Text exactly where they are.

func parseDoc(t testing.TB, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func render(t testing.TB, doc *html.Node) string {
	t.Helper()
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustHTML(t testing.TB, page string) Article {
	t.Helper()
	a, err := HTML(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// elemsWithText returns the elements of the page body whose text is text (compared
// squashed), innermost of each nested chain, in page order.
func elemsWithText(doc *html.Node, text string) []*html.Node {
	key := squash(text)
	var out []*html.Node
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom == atom.Script || inHead(n) {
			continue
		}
		if squash(textOf(n)) != key {
			continue
		}
		if k := len(out); k > 0 && contains(out[k-1], n) {
			out[k-1] = n // deeper in the same chain
		} else {
			out = append(out, n)
		}
	}
	return out
}

// elemWithText returns the element holding text, preferring an <h1> or a <p> (a breadcrumb
// repeats the title, a pull quote a paragraph), or nil.
func elemWithText(doc *html.Node, text string) *html.Node {
	ns := elemsWithText(doc, text)
	for _, want := range []atom.Atom{atom.H1, atom.P} {
		for _, n := range ns {
			if b := blockOf(n); b != nil && b.DataAtom == want {
				return n
			}
		}
	}
	if len(ns) > 0 {
		return ns[0]
	}
	return nil
}

func inHead(n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n.DataAtom == atom.Head {
			return true
		}
	}
	return false
}

func elem(tag, class, text string) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: tag, DataAtom: atom.Lookup([]byte(tag))}
	if class != "" {
		n.Attr = []html.Attribute{{Key: "class", Val: class}}
	}
	if text != "" {
		n.AppendChild(&html.Node{Type: html.TextNode, Data: text})
	}
	return n
}

func insertAfter(ref, n *html.Node) {
	ref.Parent.InsertBefore(n, ref.NextSibling)
}

func find(doc *html.Node, a atom.Atom) *html.Node {
	for n := range doc.Descendants() {
		if n.DataAtom == a {
			return n
		}
	}
	return nil
}

// churn applies one kind of boilerplate change; v tells the two versions apart. body is the
// extracted body of the unchanged page, to find the article in the DOM.
type churn struct {
	name  string
	apply func(doc *html.Node, body []string, v int)
}

var churns = []churn{
	{"script with timestamp", func(doc *html.Node, body []string, v int) {
		js := fmt.Sprintf(`window.__ts = "2025-11-%02dT10:%02d:00Z"; var views = %d;`, 10+v, v, 1000+v)
		for _, where := range []*html.Node{find(doc, atom.Head), find(doc, atom.Body), paragraphAt(doc, body, 1)} {
			if where != nil {
				s := elem("script", "", js)
				if where.DataAtom == atom.Head || where.DataAtom == atom.Body {
					where.AppendChild(s)
				} else {
					insertAfter(where, s)
				}
			}
		}
	}},
	{"ad slot attributes", func(doc *html.Node, body []string, v int) {
		for i, where := range []*html.Node{paragraphAt(doc, body, 1), paragraphAt(doc, body, len(body)/2), find(doc, atom.Body)} {
			if where == nil {
				continue
			}
			ad := elem("div", fmt.Sprintf("ad-slot ad-%x", 0xbeef*v+i), "")
			ad.Attr = append(ad.Attr, html.Attribute{Key: "data-ad-id", Val: fmt.Sprintf("gpt-%d-%d", v*7919, i)},
				html.Attribute{Key: "style", Val: fmt.Sprintf("min-height:%dpx", 250+v)})
			ad.AppendChild(elem("span", "ad-label", "Advertisement"))
			ad.AppendChild(elem("iframe", "", ""))
			if where.DataAtom == atom.Body {
				where.InsertBefore(ad, where.FirstChild)
			} else {
				insertAfter(where, ad)
			}
		}
	}},
	{"rotate link lists", func(doc *html.Node, body []string, v int) {
		for _, ul := range linkLists(doc, body) {
			for i := 0; i < v; i++ {
				first := firstElem(ul)
				ul.RemoveChild(first)
				ul.AppendChild(first)
			}
		}
	}},
	{"view counter and relative time", func(doc *html.Node, body []string, v int) {
		if h1 := find(doc, atom.H1); h1 != nil {
			insertAfter(h1, elem("span", "views", fmt.Sprintf("%d,%03d views", 1+v, 234+v)))
			insertAfter(h1, elem("div", "", fmt.Sprintf("Updated %d hours ago", 2+v)))
		}
		if p := paragraphAt(doc, body, 0); p != nil {
			insertAfter(p, elem("div", "article-stats", fmt.Sprintf("%d comments · %d shares", 10+v, 300+v)))
		}
	}},
	{"menu link text", func(doc *html.Node, body []string, v int) {
		for n := range doc.Descendants() {
			if n.DataAtom == atom.A && inMenu(n) && v > 0 && n.LastChild != nil && n.LastChild.Type == html.TextNode {
				n.LastChild.Data += strings.Repeat(" ›", v)
			}
		}
	}},
	{"in-article boilerplate", func(doc *html.Node, body []string, v int) {
		last := paragraphAt(doc, body, len(body)-1)
		mid := paragraphAt(doc, body, len(body)/2)
		if last == nil || mid == nil {
			return
		}
		tags := elem("ul", "article-tags", "")
		for i := 0; i < 3; i++ {
			li := elem("li", "", "")
			a := elem("a", "", fmt.Sprintf("Topic %d", (i+v)%5))
			a.Attr = append(a.Attr, html.Attribute{Key: "href", Val: fmt.Sprintf("/topic/%d", (i+v)%5)})
			li.AppendChild(a)
			tags.AppendChild(li)
		}
		insertAfter(last, tags)
		share := elem("div", "share-box", fmt.Sprintf("Share this article (%d) ", 40+v))
		for _, s := range []string{"Facebook", "X", "Email"} {
			share.AppendChild(elem("a", "", s))
		}
		insertAfter(last, share)
		more := elem("p", "", "Read more: ")
		a := elem("a", "", fmt.Sprintf("Another story number %d that editors picked today", v))
		a.Attr = append(a.Attr, html.Attribute{Key: "href", Val: fmt.Sprintf("/story/%d", v)})
		more.AppendChild(a)
		insertAfter(mid, more)
	}},
	{"footer and sidebar", func(doc *html.Node, body []string, v int) {
		b := find(doc, atom.Body)
		if b == nil {
			return
		}
		aside := elem("aside", "sidebar", "")
		aside.AppendChild(elem("h3", "", "Most read"))
		for i := 0; i < 4; i++ {
			aside.AppendChild(elem("p", "", fmt.Sprintf("Popular story %d is being read by %d people right now, and it keeps going.", (i+v)%6, 500*v+i)))
		}
		b.AppendChild(aside)
		b.AppendChild(elem("footer", "", fmt.Sprintf("© %d Example Media. All rights reserved.", 2024+v)))
	}},
}

// paragraphAt returns the DOM element of body paragraph i, or nil.
func paragraphAt(doc *html.Node, body []string, i int) *html.Node {
	if i < 0 || i >= len(body) {
		return nil
	}
	n := blockOf(elemWithText(doc, body[i]))
	if n == nil || n.Parent == nil || n.DataAtom == atom.Body || n.DataAtom == atom.Html {
		return nil
	}
	return n
}

// linkLists returns the <ul>/<ol> whose every item is a link, outside the extracted body.
func linkLists(doc *html.Node, body []string) []*html.Node {
	var out []*html.Node
	for n := range doc.Descendants() {
		if n.DataAtom != atom.Ul && n.DataAtom != atom.Ol {
			continue
		}
		items := 0
		ok := true
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			items++
			if c.DataAtom != atom.Li || find(c, atom.A) == nil {
				ok = false
			}
		}
		if ok && items >= 2 && !holdsBody(n, body) {
			out = append(out, n)
		}
	}
	return out
}

func holdsBody(n *html.Node, body []string) bool {
	text := squash(textOf(n))
	for _, p := range body {
		if k := squash(p); len(k) > 20 && strings.Contains(text, k) {
			return true
		}
	}
	return false
}

func firstElem(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func inMenu(n *html.Node) bool {
	for a := n.Parent; a != nil; a = a.Parent {
		switch a.DataAtom {
		case atom.Nav, atom.Header, atom.Footer, atom.Menu:
			return true
		case atom.Main, atom.Article, atom.Body, atom.P:
			return false
		}
		for _, w := range classWords(a) {
			if w == "menu" || w == "nav" || w == "navigation" {
				return true
			}
		}
	}
	return false
}

// TestChurnStable checks that boilerplate churn leaves Text byte-identical: each kind of
// change alone and all of them together, comparing two versions that differ only in it.
func TestChurnStable(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts every corpus page many times; skipped with -short")
	}
	for _, p := range loadCorpus(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			base := mustHTML(t, p.html)
			if len(base.Body) < 3 {
				t.Fatalf("only %d body paragraphs", len(base.Body))
			}
			// Parsing and rendering alone must not change anything.
			if got := mustHTML(t, render(t, parseDoc(t, p.html))).Text(); got != base.Text() {
				t.Fatalf("round trip through the DOM changed Text:\n%s", lineDiff(base.Text(), got))
			}
			version := func(v int, cs ...churn) string {
				doc := parseDoc(t, p.html)
				for _, c := range cs {
					c.apply(doc, base.Body, v)
				}
				return mustHTML(t, render(t, doc)).Text()
			}
			for _, c := range churns {
				t.Run(c.name, func(t *testing.T) {
					a, b := version(1, c), version(2, c)
					if a != b {
						t.Errorf("Text changed between churn versions:\n%s", lineDiff(a, b))
					}
					if a != base.Text() {
						t.Errorf("Text differs from the unchanged page:\n%s", lineDiff(base.Text(), a))
					}
				})
			}
			t.Run("all together", func(t *testing.T) {
				if a, b := version(1, churns...), version(3, churns...); a != b {
					t.Errorf("Text changed between churn versions:\n%s", lineDiff(a, b))
				}
			})
		})
	}
}

// lineDiff shows the lines only in a (-) and only in b (+).
func lineDiff(a, b string) string {
	in := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if mb[l] == 0 {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if ma[l] == 0 {
			out = append(out, "+ "+l)
		}
	}
	if len(out) == 0 {
		return "(same lines, different order or count)"
	}
	return strings.Join(out, "\n")
}
