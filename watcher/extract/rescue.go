package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// rescue puts back article paragraphs that the extractor dropped from inside the article.
//
// Trafilatura judges each element on its own and sometimes drops a real paragraph: text sitting
// directly in a <div>, a fact box, a paragraph that looks like a duplicate, one after a table.
// A watcher cannot afford that: a paragraph an editor adds must show up. So the extracted
// paragraphs are located in the DOM, and any other prose paragraph between two of them is put
// back in place, provided it hangs off the spine: the elements from their common container
// down to each of them (so a sibling of a paragraph, or of the <div> wrapping the paragraphs).
// Paragraphs nested in boxes off the spine (pull quotes, expandable asides, teasers) stay out.
// After the last extracted paragraph only its <p> siblings are taken, since containers often
// end with bios, notices and link lists. What counts as prose is strict: a sentence (it ends
// with sentence punctuation), few links, not a date or counter line, not inside a figure,
// share box, tag list or hidden element.
func rescue(ix *index, body []string) []string {
	if len(body) < 2 {
		return body
	}
	nodes := make([]*html.Node, len(body))
	var located []*html.Node
	var from *html.Node
	for i, p := range body {
		if tn := ix.find(p, from); tn != nil {
			nodes[i] = blockOf(tn)
			located = append(located, nodes[i])
			from = tn
		}
	}
	if len(located) < 2 {
		return body
	}
	box := located[0]
	for _, n := range located[1:] {
		for box != nil && !contains(box, n) {
			box = box.Parent
		}
	}
	if box == nil || box.DataAtom == atom.Body || box.DataAtom == atom.Html || box.Type != html.ElementNode {
		return body // the paragraphs come from all over the page: no single article container
	}
	first, last := located[0], located[len(located)-1]
	// The spine: the container and every element between it and an extracted paragraph.
	spine := map[*html.Node]bool{box: true}
	for _, n := range located {
		for a := n.Parent; a != nil && a != box; a = a.Parent {
			spine[a] = true
		}
	}

	// Whether a paragraph is already extracted: most are, word for word, which a set
	// answers at once; only the others are looked for inside the extracted lines. A search
	// of all the lines for every paragraph would grow with the square of the page.
	var have strings.Builder
	kept := make(map[string]bool, len(body))
	for _, p := range body {
		q := squash(p)
		kept[q] = true
		have.WriteString(q)
		have.WriteByte('|')
	}
	all := have.String()
	extracted := func(text string) bool {
		q := squash(text)
		return kept[q] || strings.Contains(all, q)
	}

	type extra struct {
		order int
		text  string
	}
	var extras []extra
	for _, p := range paragraphs(notProse, box) {
		if p.node == nil {
			continue
		}
		o := ix.order[p.node]
		inside := o > ix.order[first] && o < ix.order[last] && !contains(p.node, first) && !contains(p.node, last)
		after := o > ix.order[last] && p.node.Parent == last.Parent && p.node.DataAtom == atom.P
		if !inside && !after || !hangsOff(p, spine) {
			continue
		}
		if !isProse(p) || extracted(p.text) {
			continue
		}
		extras = append(extras, extra{o, p.text})
	}
	if h := trailingHeading(last); h != nil && !extracted(textOf(h)) {
		extras = append(extras, extra{ix.order[h], textOf(h)})
	}
	if len(extras) == 0 {
		return body
	}
	out := make([]string, 0, len(body)+len(extras))
	k := 0
	for i, p := range body {
		if nodes[i] != nil {
			for k < len(extras) && extras[k].order < ix.order[nodes[i]] {
				out = append(out, extras[k].text)
				k++
			}
		}
		out = append(out, p)
	}
	for ; k < len(extras); k++ {
		out = append(out, extras[k].text)
	}
	return out
}

// isProse reports whether a paragraph reads as article text: a sentence of some length, with
// few links, that is not a date, counter or byline line.
func isProse(p para) bool {
	if p.links > 0.3 || (p.time && words(p.text) <= 25) || words(p.text) < 6 || utf8.RuneCountInString(p.text) < 30 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(p.text, " \u00a0\u202f"))
	if !strings.ContainsRune(".!?…:;»\"”’。！？", last) {
		return false
	}
	return !isFurniture(p.text) && !inFurniture(p.node)
}

// hiddenWords are class words of elements a reader does not see.
var hiddenWords = set("hidden", "hide", "sronly", "visuallyhidden", "invisible", "offscreen")

// notProse tells the subtrees rescue must not look into: boilerplate, furniture and hidden
// elements.
func notProse(n *html.Node) bool {
	if isBoilerplate(n) {
		return true
	}
	cw := classWords(n)
	if anyIn(cw, furnitureWords) || anyIn(cw, hiddenWords) {
		return true
	}
	if _, ok := attrOK(n, "hidden"); ok || attr(n, "aria-hidden") == "true" {
		return true
	}
	style := strings.ReplaceAll(strings.ToLower(attr(n, "style")), " ", "")
	return strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden")
}

// attrOK returns the value of attribute key and whether n has it.
func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// trailingHeading returns the section heading that follows the last extracted paragraph and
// ends its container, or nil. Trafilatura strips trailing headings (they are usually the title
// of a link list that it dropped); but when the last paragraph of a section is deleted, its
// heading becomes trailing, and dropping it would make one edit look like two.
func trailingHeading(last *html.Node) *html.Node {
	var h *html.Node
	for n := last.NextSibling; n != nil; n = n.NextSibling {
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) != "" {
			return nil
		}
		if n.Type != html.ElementNode || notProse(n) || strings.TrimSpace(textOf(n)) == "" {
			continue
		}
		switch {
		case h != nil:
			return nil // something follows the heading: it titles that, not the end
		case n.DataAtom == atom.H2 || n.DataAtom == atom.H3 || n.DataAtom == atom.H4 ||
			n.DataAtom == atom.H5 || n.DataAtom == atom.H6:
			h = n
		default:
			return nil
		}
	}
	if h == nil || words(textOf(h)) < 3 || isFurniture(textOf(h)) {
		return nil
	}
	return h
}

// hangsOff reports whether paragraph p hangs off the spine: its element is a child of a spine
// element, or is wrapped in elements that hold nothing but it and are.
func hangsOff(p para, spine map[*html.Node]bool) bool {
	n := p.node
	key := squash(p.text)
	for n.Parent != nil && !spine[n.Parent] && squash(textOf(n.Parent)) == key {
		n = n.Parent
	}
	return n.Parent != nil && spine[n.Parent]
}
