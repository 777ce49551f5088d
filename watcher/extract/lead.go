package extract

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// leadWords are class/id/data-attribute words that name a standfirst, in the languages whose
// sites the watcher reads: English, French (chapo, chapeau), Vietnamese sites (sapo),
// Spanish (bajada, copete, entradilla), Portuguese (linha fina), Italian (sottotitolo,
// catenaccio), German (Vorspann, Anriss, Einleitung), Nordic (ingress), Dutch (inleiding),
// Chinese pinyin (zhaiyao, daoyu).
var leadWords = set("standfirst", "sapo", "chapo", "chapeau", "lead", "lede", "leadtext",
	"intro", "introduction", "summary", "description", "desc", "excerpt", "subtitle",
	"subtitulo", "subheadline", "subhead", "subheading", "deck", "dek", "teaser", "abstract",
	"resume", "strapline", "bajada", "copete", "entradilla", "entradeta", "linhafina",
	"sottotitolo", "catenaccio", "vorspann", "einleitung", "anriss", "ingress", "ingres",
	"inleiding", "digest", "zhaiyao", "daoyu", "tomtat", "articlelead", "leadparagraph")

// notLead are words that show an element is something else that happens to carry a lead word
// ("author-description", "lead-image", "summary-list").
var notLead = set("image", "img", "photo", "media", "video", "figure", "picture", "caption",
	"credit", "author", "bio", "avatar", "newsletter", "promo", "related", "card", "list",
	"item", "nav", "menu", "footer", "share", "social", "comment", "comments", "tag", "tags",
	"date", "time", "byline", "label", "icon", "button", "btn", "modal", "cookie", "consent",
	"ad", "ads", "advert", "sponsor", "product", "search", "form", "breadcrumb", "category",
	"kicker", "overline", "sidebar", "widget", "popup", "toc")

// furnitureWords mark elements whose text is page furniture, never a standfirst.
var furnitureWords = set("author", "byline", "date", "time", "timestamp", "meta", "share",
	"social", "caption", "credit", "tag", "tags", "breadcrumb", "breadcrumbs", "category",
	"related", "comment", "comments", "newsletter", "ad", "ads", "advert", "promo", "sponsor",
	"views", "counter", "count", "rating", "label", "nav", "menu", "kicker", "toolbar", "info",
	"infos", "dateline", "published", "updated", "signature", "credits")

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func anyIn(ws []string, m map[string]bool) bool {
	for _, w := range ws {
		if m[w] {
			return true
		}
	}
	return false
}

// findTitle picks the <h1> that states the article title: the one closest to the metadata
// title (og:title, <title>), since many sites also wrap their logo or a section name in an h1.
// It returns the metadata title and no node when no h1 is close to it.
func findTitle(doc *html.Node, meta string) (string, *html.Node) {
	mw := wordSet(meta)
	var best *html.Node
	var bestText string
	bestScore := -1.0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.H1 || inFurniture(n) {
			continue
		}
		text := textOf(n)
		if text == "" {
			continue
		}
		var score float64
		if len(mw) > 0 {
			score = dice(wordSet(text), mw)
		} else {
			score = float64(words(text)) // no metadata: the longest h1
		}
		if score > bestScore {
			best, bestText, bestScore = n, text, score
		}
	}
	if best == nil || (len(mw) > 0 && bestScore < 0.3) {
		return clean(meta), nil
	}
	return bestText, best
}

// wordSet returns the set of squashed words of s.
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		if w = squash(w); w != "" {
			m[w] = true
		}
	}
	return m
}

// dice is the Dice coefficient of two word sets.
func dice(a, b map[string]bool) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	n := 0
	for w := range a {
		if b[w] {
			n++
		}
	}
	return 2 * float64(n) / float64(len(a)+len(b))
}

// inFurniture reports whether n sits in navigation, a sidebar, a footer, a figure or a form
// control: places whose text is never the article's.
func inFurniture(n *html.Node) bool {
	for a := n; a != nil; a = a.Parent {
		switch a.DataAtom {
		case atom.Nav, atom.Aside, atom.Footer, atom.Figure, atom.Figcaption, atom.Menu,
			atom.Button, atom.Label, atom.Time, atom.Address:
			return true
		}
	}
	return false
}

// findLead returns the standfirst: the text the page sets apart between the title and the body.
//
// It takes, in page order, the elements after the title and before the first body paragraph
// whose class, id or data attribute names a lead (leadWords), and, when both ends are known,
// the prose paragraphs between them that sit on the path from their common container down to
// the title or the body: that is where extractors drop a lead that has no telling class, and
// the restriction keeps out boxes nested off that path (captions, people boxes, teasers).
// Short lines, link lists and date/byline/counter lines are never a lead.
//
// named restricts the lead to the elements whose names say so, without the positional pass:
// under a selector, the paragraphs between the title and the selection that the page does
// not call a lead are text the user left out (div.body p:nth-child(n+3) leaves out the
// first two paragraphs of div.body), and must stay out.
func findLead(ix *index, title, bodyStart *html.Node, named bool) string {
	if title == nil && bodyStart == nil {
		return ""
	}
	lo, hi := -1, len(ix.order)+1
	if title != nil {
		lo = ix.order[title]
	}
	if bodyStart != nil {
		hi = ix.order[bodyStart]
	}
	bounded := title != nil && bodyStart != nil
	// With one end unknown, a lead must at least be near the other: inside the element three
	// levels up from it, not somewhere in the page header.
	var near *html.Node
	if !bounded {
		near = title
		if near == nil {
			near = bodyStart
		}
		for i := 0; i < 3 && near.Parent != nil; i++ {
			near = near.Parent
		}
	}
	inZone := func(n *html.Node) bool {
		o, ok := ix.order[n]
		return ok && o > lo && o < hi && (near == nil || contains(near, n)) &&
			(title == nil || (!contains(title, n) && !contains(n, title))) &&
			(bodyStart == nil || !contains(n, bodyStart))
	}

	type part struct {
		order int
		text  string
	}
	var parts []part
	var found []*html.Node // class-named leads, to keep their paragraphs out of the positional pass
	for n := range ix.doc.Descendants() {
		if n.Type != html.ElementNode || !inZone(n) {
			continue
		}
		if len(found) > 0 && contains(found[len(found)-1], n) {
			continue
		}
		switch n.DataAtom {
		case atom.P, atom.Div, atom.Span, atom.Section, atom.H2, atom.H3, atom.H4, atom.Strong,
			atom.B, atom.Em, atom.Blockquote, atom.Header, atom.Ul, atom.Li:
		default:
			continue
		}
		cw := classWords(n)
		if !anyIn(cw, leadWords) || anyIn(cw, notLead) {
			continue
		}
		if text, ok := leadText(n); ok {
			parts = append(parts, part{ix.order[n], text})
			found = append(found, n)
			if !bounded {
				break // no far end: the first one only
			}
		}
	}

	if bounded && !named {
		box := title
		for box != nil && !contains(box, bodyStart) {
			box = box.Parent
		}
		spine := map[*html.Node]bool{}
		for _, end := range []*html.Node{title, bodyStart} {
			for a := end.Parent; a != nil; a = a.Parent {
				spine[a] = true
				if a == box {
					break
				}
			}
		}
		var extra []part
		for _, p := range paragraphs(notProse, box) {
			if p.node == nil || !inZone(p.node) || !hangsOff(p, spine) || !isProse(p) {
				continue
			}
			dup := false
			for _, f := range found {
				dup = dup || contains(f, p.node) || contains(p.node, f)
			}
			if !dup {
				extra = append(extra, part{ix.order[p.node], p.text})
			}
		}
		if len(extra) <= 3 { // more is not a lead but a layout this rule does not know
			parts = append(parts, extra...)
		}
	}
	slices.SortStableFunc(parts, func(a, b part) int { return a.order - b.order })
	var texts []string
	for _, p := range parts {
		texts = append(texts, p.text)
	}
	return strings.Join(texts, " ")
}

// leadText returns the text of a lead candidate and whether it can be one.
func leadText(n *html.Node) (string, bool) {
	if inFurniture(n) {
		return "", false
	}
	ps := paragraphs(func(c *html.Node) bool { return anyIn(classWords(c), furnitureWords) }, n)
	var parts []string
	var linked float64
	var total int
	for _, p := range ps {
		if isFurniture(p.text) {
			continue
		}
		parts = append(parts, p.text)
		l := len(squash(p.text))
		total += l
		linked += p.links * float64(l)
	}
	text := strings.Join(parts, " ")
	runes := utf8.RuneCountInString(text)
	if runes < 30 || runes > 2000 || words(text) < 5 || (total > 0 && linked/float64(total) > 0.5) {
		return "", false
	}
	return text, true
}
