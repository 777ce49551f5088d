package extract

import (
	"sort"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dropped lists the elements that never hold article text. They are removed before anything
// else looks at the page, so their churn (ad iframes, inline scripts with timestamps, form
// widgets) cannot reach the extractor's decisions.
var dropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Frame: true, atom.Frameset: true, atom.Object: true,
	atom.Embed: true, atom.Applet: true, atom.Svg: true, atom.Math: true, atom.Canvas: true,
	atom.Video: true, atom.Audio: true, atom.Source: true, atom.Track: true, atom.Picture: true,
	atom.Map: true, atom.Button: true, atom.Input: true, atom.Select: true, atom.Option: true,
	atom.Optgroup: true, atom.Textarea: true, atom.Datalist: true, atom.Dialog: true,
	atom.Link: true, atom.Param: true,
}

// blocks are the elements that start a new paragraph.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
	atom.Dt: true, atom.Dd: true, atom.Blockquote: true, atom.Pre: true, atom.Section: true,
	atom.Article: true, atom.Main: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Nav: true, atom.Figure: true, atom.Figcaption: true, atom.Table: true, atom.Tr: true,
	atom.Form: true, atom.Fieldset: true, atom.Address: true, atom.Details: true,
	atom.Summary: true, atom.Hr: true, atom.Caption: true, atom.Center: true, atom.Body: true,
	atom.Html: true, atom.Hgroup: true, atom.Menu: true, atom.Legend: true, atom.Thead: true,
	atom.Tbody: true, atom.Tfoot: true,
}

// prepare removes what never is article text and undoes markup that hides the article from the
// extractor: whole-page <form> wrappers (ASP.NET sites put the entire page in one, and
// trafilatura drops forms) become <div>s; a table's <caption>, which trafilatura drops,
// becomes a paragraph just before its table (it says what the table's figures count).
// Comments go too.
func prepare(doc *html.Node) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case c.Type == html.CommentNode:
				n.RemoveChild(c)
			case c.Type == html.ElementNode && dropped[c.DataAtom] && !isJSONLD(c):
				n.RemoveChild(c)
			case c.Type == html.TextNode:
				c.Data = hardSpaces.Replace(c.Data)
			default:
				if c.Type == html.ElementNode && c.DataAtom == atom.Form && holdsArticle(c) {
					c.DataAtom, c.Data = atom.Div, "div"
				}
				if c.Type == html.ElementNode && c.DataAtom == atom.Table {
					for k := c.FirstChild; k != nil; k = k.NextSibling {
						if k.Type == html.ElementNode && k.DataAtom == atom.Caption {
							c.RemoveChild(k)
							k.DataAtom, k.Data, k.Attr = atom.P, "p", nil
							n.InsertBefore(k, c)
							break
						}
					}
				}
				walk(c)
			}
			c = next
		}
	}
	walk(doc)
}

// detachFurniture takes the navigation, asides, footers and menus out of doc, and returns
// the function that puts them back where they were. Trafilatura deletes these elements before
// it reads the content, but only after it has copied the whole page three times and searched
// it for metadata; on news pages they are most of the elements. Their text is never the
// article's (inFurniture), so the extractor is given the page without them.
func detachFurniture(doc *html.Node) (restore func()) {
	type cut struct{ n, parent, next *html.Node }
	var cuts []cut
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if a := c.DataAtom; c.Type == html.ElementNode && (a == atom.Nav || a == atom.Aside || a == atom.Footer || a == atom.Menu) {
				cuts = append(cuts, cut{c, n, next})
				n.RemoveChild(c)
			} else {
				walk(c)
			}
			c = next
		}
	}
	walk(doc)
	return func() {
		// In reverse, so that the sibling each one goes back in front of is already back.
		for i := len(cuts) - 1; i >= 0; i-- {
			cuts[i].parent.InsertBefore(cuts[i].n, cuts[i].next)
		}
	}
}

// isJSONLD keeps structured-data scripts: the extractor reads the title, date and author there.
func isJSONLD(n *html.Node) bool {
	return n.DataAtom == atom.Script && strings.EqualFold(attr(n, "type"), "application/ld+json")
}

// holdsArticle reports whether a form is a page wrapper rather than a search or login form:
// it contains a heading and several paragraphs.
func holdsArticle(form *html.Node) bool {
	ps, h := 0, false
	for n := range form.Descendants() {
		switch n.DataAtom {
		case atom.P:
			ps++
		case atom.H1, atom.Article:
			h = true
		}
		if h && ps >= 3 {
			return true
		}
	}
	return false
}

// attr returns the value of the attribute key of n, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// para is one paragraph found by walk, with the share of its text that sits inside links.
type para struct {
	text  string
	links float64 // link letters / all letters
	plain int     // words outside links
	time  bool    // holds a <time> element: a dateline, or a sentence with a date
	node  *html.Node
}

// walker collects paragraphs from a subtree: block elements and <br> end a paragraph, table
// rows become one line with " | " between cells.
type walker struct {
	skip  func(*html.Node) bool // block subtrees to leave out (nil: none)
	out   []para
	buf   strings.Builder
	link  strings.Builder
	start *html.Node
	time  bool
	row   int // depth inside a table row: blocks there do not split the row
}

// paragraphs returns the paragraphs of the subtrees roots, in order.
func paragraphs(skip func(*html.Node) bool, roots ...*html.Node) []para {
	w := walker{skip: skip}
	for _, r := range roots {
		w.visit(r, false)
		w.flush()
	}
	return w.out
}

func (w *walker) visit(n *html.Node, inLink bool) {
	switch n.Type {
	case html.TextNode:
		if w.start == nil {
			w.start = n.Parent
		}
		w.buf.WriteString(n.Data)
		if inLink {
			w.link.WriteString(n.Data)
		}
		return
	case html.ElementNode, html.DocumentNode:
	default:
		return
	}
	a := tagOf(n)
	if n.Type == html.ElementNode {
		// Only blocks are skipped: an inline element cut out of a sentence would change it.
		if dropped[a] || a == atom.Head || (w.skip != nil && blocks[a] && w.skip(n)) {
			return
		}
		switch a {
		case atom.A:
			inLink = true
		case atom.Time:
			w.time = true
		}
	}
	switch {
	case a == atom.Br && w.row == 0:
		w.flush()
		return
	case a == atom.Tr:
		w.flush()
		w.row++
		first := true
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if ca := tagOf(c); ca == atom.Td || ca == atom.Th {
				if !first && strings.TrimSpace(w.buf.String()) != "" {
					w.buf.WriteString(" | ")
				}
				first = false
			}
			w.visit(c, inLink)
		}
		w.row--
		w.flush()
		return
	case w.row > 0 && (blocks[a] || a == atom.Br):
		w.buf.WriteByte(' ')
	case blocks[a]:
		w.flush()
		w.start = n
		defer w.flush()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.visit(c, inLink)
	}
}

// tagOf returns the element's atom. The extractor's output tree builds its elements by
// name only (a <tr> of its ContentNode has DataAtom 0), so the name is looked up then: else
// its table rows and list items would run into one line ("Châu Phi21Châu Âu19"). Elements
// of SVG and MathML keep their DataAtom 0 as the parser gives it.
func tagOf(n *html.Node) atom.Atom {
	if n.DataAtom == 0 && n.Type == html.ElementNode && n.Namespace == "" {
		return atom.Lookup([]byte(n.Data))
	}
	return n.DataAtom
}

func (w *walker) flush() {
	if w.row > 0 {
		return
	}
	text := clean(w.buf.String())
	text = strings.TrimSuffix(strings.TrimSpace(text), " |")
	if text != "" {
		p := para{text: text, node: w.start, time: w.time, plain: words(text)}
		if w.link.Len() > 0 { // most paragraphs link nothing
			if all := len(squash(text)); all > 0 {
				p.links = float64(len(squash(w.link.String()))) / float64(all)
			}
			p.plain = max(p.plain-words(clean(w.link.String())), 0)
		}
		w.out = append(w.out, p)
	}
	w.buf.Reset()
	w.link.Reset()
	w.start = nil
	w.time = false
}

// textOf returns the text of n as one paragraph.
func textOf(n *html.Node) string {
	var parts []string
	for _, p := range paragraphs(nil, n) {
		parts = append(parts, p.text)
	}
	return strings.Join(parts, " ")
}

// index maps the page's letters and digits to the text nodes that hold them, so that a
// paragraph found by the extractor can be located in the DOM by its text.
type index struct {
	doc   *html.Node
	text  string       // squash of all text nodes, in document order
	at    []int        // at[i]: byte offset in text where nodes[i] starts
	nodes []*html.Node // text nodes
	order map[*html.Node]int
	ps    []*html.Node // <p> elements, in document order
}

// newIndex indexes the text of doc (after prepare).
func newIndex(doc *html.Node) *index {
	// Sized first: grown node by node, the map cost three times as much to fill.
	count := 0
	for range doc.Descendants() {
		count++
	}
	ix := &index{doc: doc, order: make(map[*html.Node]int, count)}
	var b strings.Builder
	i := 0
	for n := range doc.Descendants() {
		ix.order[n] = i
		i++
		if n.Type == html.ElementNode && n.DataAtom == atom.P {
			ix.ps = append(ix.ps, n)
		}
		if n.Type == html.TextNode && n.Parent != nil && n.Parent.DataAtom != atom.Script {
			at := b.Len()
			if squashTo(&b, n.Data); b.Len() > at {
				ix.at = append(ix.at, at)
				ix.nodes = append(ix.nodes, n)
			}
		}
	}
	ix.text = b.String()
	return ix
}

// find returns the text node where text (squashed) first occurs at or after the node from, or
// nil.
func (ix *index) find(text string, from *html.Node) *html.Node {
	key := squash(text)
	if len(key) > 200 {
		key = key[:200] // a long prefix is as unique and survives a later edit
	}
	if key == "" {
		return nil
	}
	start := 0
	if from != nil {
		// The first text node at or after from, by document order.
		o := ix.order[from]
		i := sort.Search(len(ix.nodes), func(i int) bool { return ix.order[ix.nodes[i]] >= o })
		if i == len(ix.nodes) {
			return nil
		}
		start = ix.at[i]
	}
	off := strings.Index(ix.text[start:], key)
	if off < 0 {
		return nil
	}
	off += start
	// The last node starting at or before off.
	lo, hi := 0, len(ix.at)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ix.at[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return ix.nodes[lo]
}

// contains reports whether a is an ancestor of (or is) b.
func contains(a, b *html.Node) bool {
	for ; b != nil; b = b.Parent {
		if a == b {
			return true
		}
	}
	return false
}

// classWords splits the class, id, itemprop and short data-* values of n into lower-case words: "article__chapo",
// "ArticleSummary" and "td-post-sub-title" give {article chapo}, {article summary} and
// {td post sub title}. Adjacent pairs are added joined ("subtitle"), since sites spell
// compounds both ways.
func classWords(n *html.Node) []string {
	var ws []string
	for _, at := range n.Attr {
		// Data attributes name components on sites whose class names are hashed
		// (data-gu-name="standfirst", data-component="summary"); long values and URLs are
		// payloads.
		switch key, v := at.Key, at.Val; {
		case key == "class" || key == "id" || key == "itemprop":
		case strings.HasPrefix(key, "data-") && len(v) <= 40 && !strings.ContainsAny(v, "/.:?=#"):
		default:
			continue
		}
		v := at.Val
		if v == "" {
			continue
		}
		var toks []string
		var cur []rune
		var prev rune
		emit := func() {
			if len(cur) > 0 {
				toks = append(toks, strings.ToLower(string(cur)))
				cur = cur[:0]
			}
		}
		for _, r := range v {
			switch {
			case r >= 'A' && r <= 'Z':
				if prev >= 'a' && prev <= 'z' {
					emit()
				}
				cur = append(cur, r)
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				cur = append(cur, r)
			default:
				emit()
			}
			prev = r
		}
		emit()
		ws = append(ws, toks...)
		for i := 0; i+1 < len(toks); i++ {
			ws = append(ws, toks[i]+toks[i+1])
		}
	}
	return ws
}
