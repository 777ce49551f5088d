package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
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
// page (a pass of scanTokens, the byte scanner the fast path uses) and records the tag as
// written and how many identical tags come before it. It returns nil when a region is not
// found.
func Locate(page []byte, rs []Region) []Region {
	out := append([]Region(nil), rs...)
	seen := make([]int, len(out))
	found := 0
	scanTokens(page, func(t token) bool {
		if t.kind != '<' || !slices.ContainsFunc(out, func(r Region) bool { return equalLower(t.data, r.Tag) }) {
			return true
		}
		id, class := idClass(page, t.attrs)
		for i := range out {
			r := &out[i]
			if r.Raw != "" || !equalLower(t.data, r.Tag) || r.ID != id || r.Class != class {
				continue
			}
			if seen[i] == r.Nth {
				raw := page[t.at:t.end]
				r.Raw, r.RawNth = string(raw), bytes.Count(page[:t.at], raw)
				found++
			}
			seen[i]++
		}
		return found < len(out)
	})
	if found < len(out) {
		return nil
	}
	return out
}

// equalLower reports whether a tag name as written is name, which is lower case, as the
// tokenizer compares them: only ASCII letters are folded.
func equalLower(written []byte, name string) bool {
	if len(written) != len(name) {
		return false
	}
	for i, c := range written {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// idClass returns the id and class attributes of the tag whose attributes start at j,
// entity-decoded; the first of repeated attributes counts, as in the parsed tree.
func idClass(b []byte, j int) (id, class string) {
	var gotID, gotClass bool
	tagEnd(b, j, func(k, v []byte) {
		switch {
		case !gotID && equalLower(k, "id"):
			id, gotID = attrValue(v), true
		case !gotClass && equalLower(k, "class"):
			class, gotClass = attrValue(v), true
		}
	})
	return id, class
}

func attrValue(v []byte) string {
	if bytes.IndexByte(v, '&') >= 0 {
		return html.UnescapeString(string(v))
	}
	return string(v)
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
	var name [64]byte // tag names hashed, lower-cased; longer ones (custom elements) are cut
	return scanRegion(b, tag, func(kind byte, data []byte) {
		switch kind {
		case '<', '/':
			n := copy(name[:], data)
			for i := range n {
				if 'A' <= name[i] && name[i] <= 'Z' {
					name[i] += 'a' - 'A'
				}
			}
			if kind == '/' {
				h.Write([]byte("</"))
			} else {
				h.Write([]byte{'<'})
			}
			h.Write(name[:n])
		default:
			h.Write([]byte{mark})
			h.Write(data)
			h.Write([]byte{0})
		}
	})
}

// scanRegion walks the element that starts b up to its end tag, as the HTML tokenizer
// would, and calls emit for each start tag ('<', its name as written), end tag ('/', its
// name) and run of text ('t', the raw bytes: entities are not decoded, so two texts that
// differ in bytes hash differently even where they read the same). The contents of script,
// style, noscript and template are skipped: they are not article text. It reports whether
// the element closed.
func scanRegion(b []byte, tag string, emit func(kind byte, data []byte)) bool {
	depth, skip := 0, 0
	closed := false
	scanTokens(b, func(t token) bool {
		if t.kind == 't' {
			if skip == 0 && depth > 0 {
				emit('t', t.data)
			}
			return true
		}
		closing := t.kind == '/'
		if depth == 0 && (closing || !equalLower(t.data, tag)) {
			return false // the region's own start tag was not the first token
		}
		hidden := equalsAny(t.data, "script", "style", "noscript", "template")
		if closing {
			if hidden {
				skip = max(skip-1, 0)
				return true
			}
			emit('/', t.data)
			if equalLower(t.data, tag) {
				if depth--; depth == 0 {
					closed = true
					return false
				}
			}
			return true
		}
		if hidden {
			if !t.selfClosing {
				skip++
			}
		} else {
			emit('<', t.data)
			if equalLower(t.data, tag) && !voidElements[tag] && !t.selfClosing {
				depth++
			}
		}
		return depth > 0 // at 0 the region is a void or self-closing element: no text to hash
	})
	return closed
}

// token is what scanTokens reads: a run of text ('t', data is its raw bytes), a start tag ('<')
// or an end tag ('/', data is the name as written). b[at:end] is the whole token; attrs is
// where a tag's attributes start.
type token struct {
	kind        byte
	data        []byte
	at, end     int
	attrs       int
	selfClosing bool
}

// scanTokens reads b as golang.org/x/net/html's tokenizer does and calls fn for each token until
// fn returns false or the input ends. Comments, doctypes and processing instructions are
// skipped; the content of a raw-text element (script, style, title, textarea, ...) is one
// text, markup or not. An unclosed tag or raw-text element ends the reading.
//
// It does the tokenizer's work on the fast path of every check several times faster,
// because it looks for '<' with a byte search instead of reading one byte at a time and
// does not collect attributes. region_test.go holds it to the tokenizer's reading of every
// corpus page and of fuzzed input.
func scanTokens(b []byte, fn func(token) bool) {
	i := 0
	for {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return
		}
		if lt > 0 && !fn(token{kind: 't', data: b[i : i+lt], at: i, end: i + lt}) {
			return
		}
		i += lt
		if i+1 >= len(b) {
			return
		}
		c := b[i+1]
		switch {
		case c == '!' && bytes.HasPrefix(b[i:], []byte("<!--")):
			i = commentEnd(b, i+4)
			continue
		case c == '!' || c == '?' || c == '/' && (i+2 >= len(b) || !isLetter(b[i+2])):
			// A doctype, a processing instruction, "</>" or "</ ...": a bogus comment.
			if i+2 < len(b) && c == '/' && b[i+2] == '>' {
				i += 3
				continue
			}
			end := bytes.IndexByte(b[i+2:], '>')
			if end < 0 {
				return
			}
			i += 2 + end + 1
			continue
		case !isLetter(c) && c != '/':
			// "<" not followed by a tag name is text.
			if !fn(token{kind: 't', data: b[i : i+1], at: i, end: i + 1}) {
				return
			}
			i++
			continue
		}
		t := token{kind: '<', at: i}
		start := i + 1
		if c == '/' {
			t.kind = '/'
			start++
		}
		end := start
		for end < len(b) && !isSpace(b[end]) && b[end] != '/' && b[end] != '>' {
			end++
		}
		t.data, t.attrs = b[start:end], end
		gt, selfClosing := tagEnd(b, end, nil)
		if gt < 0 {
			return
		}
		i = gt + 1
		t.end, t.selfClosing = i, selfClosing
		if !fn(t) {
			return
		}
		if raw := rawText(t.data); raw != "" && t.kind == '<' {
			// The element's content is text up to its end tag, markup or not.
			close := rawEnd(b, i, raw)
			if close < 0 {
				return
			}
			if close > i && !fn(token{kind: 't', data: b[i:close], at: i, end: close}) {
				return
			}
			i = close
		}
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func equalsAny(name []byte, names ...string) bool {
	for _, n := range names {
		if equalLower(name, n) {
			return true
		}
	}
	return false
}

// tagEnd returns the offset of the '>' that ends the tag whose attributes start at j, or
// -1, and whether the tag is self-closing ("<br/>", but not "<p a=/>", where the slash
// ends an unquoted value). It reads attributes as the tokenizer does, so that a '>' in a
// quoted value does not end the tag and an '=' before a name is part of it; attr, when not
// nil, gets each attribute's name and raw value.
func tagEnd(b []byte, j int, attr func(key, val []byte)) (int, bool) {
	space := func() {
		for j < len(b) && isSpace(b[j]) {
			j++
		}
	}
	lastVal := -1 // the offset of the last character of the last attribute value
	space()
	for j < len(b) {
		if b[j] == '>' {
			return j, b[j-1] == '/' && j-1 != lastVal
		}
		key := j
		for ; j < len(b); j++ {
			c := b[j]
			if c == '=' && j == key {
				continue
			}
			if c == '=' || c == '/' || c == '>' || isSpace(c) {
				break
			}
		}
		name := b[key:j]
		named := j > key
		var val []byte
		space()
		switch {
		case j < len(b) && b[j] == '/':
			j++
		case j < len(b) && b[j] == '=':
			j++
			space()
			switch {
			case j >= len(b) || b[j] == '>':
			case b[j] == '"' || b[j] == '\'':
				q := bytes.IndexByte(b[j+1:], b[j])
				if q < 0 {
					return -1, false
				}
				val = b[j+1 : j+1+q]
				j += q + 2
				if named {
					lastVal = j - 2
				}
			default:
				v := j
				for j < len(b) && b[j] != '>' && !isSpace(b[j]) {
					j++
				}
				val = b[v:j]
				if named {
					lastVal = j - 1
				}
			}
		}
		if named && attr != nil {
			attr(name, val)
		}
		space()
	}
	return -1, false
}

// commentEnd returns the offset just past the comment whose text starts at k (after
// "<!--"): "-->", "--!>", or the empty comments "<!-->" and "<!--->"; the end of b when
// the comment is not closed, as the tokenizer reads it.
func commentEnd(b []byte, k int) int {
	switch {
	case bytes.HasPrefix(b[k:], []byte(">")):
		return k + 1
	case bytes.HasPrefix(b[k:], []byte("->")):
		return k + 2
	}
	for j := k; ; {
		d := bytes.Index(b[j:], []byte("--"))
		if d < 0 {
			return len(b)
		}
		j += d + 2
		switch {
		case j < len(b) && b[j] == '>':
			return j + 1
		case j+1 < len(b) && b[j] == '!' && b[j+1] == '>':
			return j + 2
		}
		j-- // "--->": the second dash may start the end
	}
}

// rawText returns the lower-case name of an element whose content the tokenizer reads as
// text up to its end tag, or "".
func rawText(name []byte) string {
	for _, n := range []string{"script", "style", "noscript", "textarea", "title", "iframe", "xmp", "noembed", "noframes", "plaintext"} {
		if equalLower(name, n) {
			return n
		}
	}
	return ""
}

// rawEnd returns the offset of the end tag of the raw-text element name whose content
// starts at i ("</name" followed by a space, '/' or '>', in any case), or -1.
func rawEnd(b []byte, i int, name string) int {
	for {
		k := bytes.Index(b[i:], []byte("</"))
		if k < 0 {
			return -1
		}
		i += k
		e := i + 2 + len(name)
		if e < len(b) && equalLower(b[i+2:e], name) && (isSpace(b[e]) || b[e] == '/' || b[e] == '>') {
			return i
		}
		i += 2
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
