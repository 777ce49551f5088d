package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Region names an element of a page the way a streaming pass can find it again: its tag, id
// and class attribute, and its rank (0-based) among the elements with that tag, id and class
// in document order. Ranking by those three rather than by position keeps the name valid when
// boilerplate elements come and go around the article.
type Region struct {
	Tag   string `json:"tag"`
	ID    string `json:"id,omitempty"`
	Class string `json:"class,omitempty"`
	Nth   int    `json:"nth"`
}

// regions returns the elements that hold the whole extracted article: the smallest element
// around all body paragraphs, plus the title and the lead where they stand outside it. It
// returns nil when a line cannot be placed in the page or the article is spread over the
// whole page: then there is no region whose text decides the article's, and every check
// runs the full extraction.
func regions(ix *index, title *html.Node, a Article) []Region {
	if len(a.Body) == 0 || (title == nil && a.Title != "") {
		return nil
	}
	var box *html.Node
	var from *html.Node
	for _, p := range a.Body {
		tn := ix.find(p, from)
		if tn == nil {
			return nil
		}
		from = tn
		b := blockOf(tn)
		if b == nil {
			return nil
		}
		if box == nil {
			box = b
		}
		for box != nil && !contains(box, b) {
			box = box.Parent
		}
	}
	if box == nil || box.Type != html.ElementNode || box.DataAtom == atom.Body || box.DataAtom == atom.Html {
		return nil
	}
	nodes := []*html.Node{box}
	if title != nil && !contains(box, title) {
		nodes = append(nodes, title)
	}
	if a.Lead != "" {
		ln := ix.find(a.Lead, title)
		if ln == nil {
			return nil
		}
		if lb := blockOf(ln); lb != nil && !contains(box, lb) && (title == nil || !contains(title, lb)) {
			nodes = append(nodes, lb)
		}
	}
	out := make([]Region, 0, len(nodes))
	for _, n := range nodes {
		r := Region{Tag: n.Data, ID: attr(n, "id"), Class: attr(n, "class")}
		for m := range ix.doc.Descendants() {
			if m == n {
				break
			}
			if m.Type == html.ElementNode && m.Data == r.Tag && attr(m, "id") == r.ID && attr(m, "class") == r.Class {
				r.Nth++
			}
		}
		out = append(out, r)
	}
	return out
}

// Fingerprint hashes the text inside the given regions of a raw page in one streaming pass
// of the tokenizer, without building a tree, and stops once every region has closed. Two
// pages with the same fingerprint have the same text in those regions, token for token
// (script and style contents aside), so the article extracted from them is the same. It
// returns false when a region is not found or not closed: the caller then extracts in full.
func Fingerprint(page []byte, rs []Region) (string, bool) {
	if len(rs) == 0 {
		return "", false
	}
	type open struct {
		r     Region
		seen  int // elements of this name, id and class met so far
		depth int // same-tag nesting inside the region; 0: not inside
		done  bool
	}
	st := make([]open, len(rs))
	for i, r := range rs {
		st[i].r = r
	}
	h := sha256.New()
	z := html.NewTokenizer(bytes.NewReader(page))
	skip := 0 // inside script, style, noscript or template: their text is not article text
	left := len(rs)
	for left > 0 {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return "", false
		case html.TextToken:
			if skip > 0 {
				continue
			}
			for i := range st {
				if st[i].depth > 0 {
					h.Write([]byte{byte('0' + i)})
					h.Write(z.Text())
					h.Write([]byte{0})
				}
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if tag == "script" || tag == "style" || tag == "noscript" || tag == "template" {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if tt == html.EndTagToken {
				for i := range st {
					if st[i].depth > 0 && st[i].r.Tag == tag {
						if st[i].depth--; st[i].depth == 0 {
							st[i].done = true
							left--
						}
					}
				}
				continue
			}
			// A block boundary inside a region is part of its content: a paragraph split
			// in two must not hash like the one paragraph it was.
			for i := range st {
				if st[i].depth > 0 {
					h.Write([]byte{'<'})
					h.Write(name)
					h.Write([]byte{'>'})
				}
			}
			if tt == html.SelfClosingTagToken || voidElements[tag] {
				continue
			}
			wanted := false
			for i := range st {
				wanted = wanted || st[i].r.Tag == tag
			}
			if !wanted {
				continue
			}
			var id, class string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "id":
					id = string(v)
				case "class":
					class = string(v)
				}
			}
			for i := range st {
				s := &st[i]
				switch {
				case s.depth > 0 && s.r.Tag == tag:
					s.depth++
				case s.depth == 0 && !s.done && s.r.Tag == tag && s.r.ID == id && s.r.Class == class:
					if s.seen == s.r.Nth {
						s.depth = 1
					}
					s.seen++
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// voidElements never have an end tag.
var voidElements = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields("area base br col embed hr img input link meta source track wbr param keygen") {
		m[t] = true
	}
	return m
}()
