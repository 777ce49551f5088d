package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
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
	// Raw is the start tag as the page writes it and RawNth how many identical tags come
	// before it: set by Locate, used by Fingerprint to jump to the region with a byte search.
	Raw    string `json:"raw,omitempty"`
	RawNth int    `json:"raw_nth,omitempty"`
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

// Locate completes regions for Fingerprint: it finds each region's start tag in the raw
// page (a full tokenizer pass) and records the tag as written and how many identical tags
// come before it. It returns nil when a region is not found.
func Locate(page []byte, rs []Region) []Region {
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
		raw := z.Raw()
		at := off
		off += len(raw)
		if tt != html.StartTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		rawTag := string(raw) // copied before TagAttr: the tokenizer reuses its buffer
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
		for i := range out {
			r := &out[i]
			if r.Raw != "" || r.Tag != tag || r.ID != id || r.Class != class {
				continue
			}
			if seen[i] == r.Nth {
				r.Raw, r.RawNth = rawTag, bytes.Count(page[:at], []byte(rawTag))
				found++
			}
			seen[i]++
		}
	}
	return out
}

// Fingerprint hashes the text inside the located regions of a raw page (see Locate) without
// building a tree: it jumps to each region's start tag with a byte search and tokenizes only
// until the region closes. Two pages with the same fingerprint have the same text in those
// regions, token for token and with the same block boundaries (script and style contents
// aside), so the article extracted from them is the same. It returns false when a region is
// not found or not closed: the caller then extracts in full.
func Fingerprint(page []byte, rs []Region) (string, bool) {
	if len(rs) == 0 {
		return "", false
	}
	h := sha256.New()
	for i, r := range rs {
		if r.Raw == "" {
			return "", false
		}
		at := nth(page, []byte(r.Raw), r.RawNth)
		if at < 0 || !hashRegion(h, page[at:], r.Tag, byte('0'+i)) {
			return "", false
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// nth returns the offset of the n-th (0-based) occurrence of sep in b, or -1.
func nth(b, sep []byte, n int) int {
	off := 0
	for {
		i := bytes.Index(b[off:], sep)
		if i < 0 {
			return -1
		}
		if n == 0 {
			return off + i
		}
		n--
		off += i + len(sep)
	}
}

// hashRegion hashes the text and the tags of the element that starts b, up to its end tag.
func hashRegion(h hash.Hash, b []byte, tag string, mark byte) bool {
	z := html.NewTokenizer(bytes.NewReader(b))
	depth := 0
	skip := 0 // inside script, style, noscript or template: their text is not article text
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return false
		case html.TextToken:
			if skip == 0 {
				h.Write([]byte{mark})
				h.Write(z.Text())
				h.Write([]byte{0})
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
				h.Write([]byte("</"))
				h.Write(name)
				if string(name) == tag {
					if depth--; depth == 0 {
						return true
					}
				}
				continue
			}
			// A block boundary inside a region is part of its content: a paragraph split
			// in two must not hash like the one paragraph it was.
			h.Write([]byte{'<'})
			h.Write(name)
			if tt == html.StartTagToken && string(name) == tag && !voidElements[tag] {
				depth++
			}
		}
		if depth == 0 {
			return false // the region's own start tag was not the first token
		}
	}
}

// voidElements never have an end tag.
var voidElements = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields("area base br col embed hr img input link meta source track wbr param keygen") {
		m[t] = true
	}
	return m
}()
