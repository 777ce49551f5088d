// Package extract turns a fetched HTML page into the text of its article: title, lead and body
// paragraphs, as stable, canonical text that the watcher hashes and diffs.
//
// It is pure: no I/O. The main text is found by go-trafilatura (chosen over go-readability by
// measurement on the real-page corpus, see TestCorpus); this package adds what the watcher
// needs on top: page furniture (dates, counters, bylines, ad labels, link lists) is dropped so
// that churn does not change the text, the title and the standfirst are found next to the body,
// and every string is NFC with collapsed whitespace.
package extract

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/andybalholm/cascadia"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Article is what a page says, as text.
type Article struct {
	Title  string
	Lead   string   // standfirst / sapo / chapo, when the page sets one apart and the body does not already contain it
	Body   []string // paragraphs, in order
	Date   string   // publication date as the page states it (metadata: not part of Text)
	Author string   // metadata: not part of Text
	Lang   string   // primary language subtag from <html lang>, og:locale or detection; "" if unknown
	// Regions are the elements whose text decides the article (see Fingerprint); nil when
	// no such elements could be named.
	Regions []Region
}

// Text is the canonical text that is hashed and diffed: Title, Lead, then the Body paragraphs,
// one per line. Each line is NFC with whitespace collapsed to single spaces; U+00A0 and U+202F
// are kept, since they join the digits of French and Vietnamese figures ("2 500"). Empty
// lines are dropped.
func (a Article) Text() string {
	lines := make([]string, 0, len(a.Body)+2)
	add := func(s string) {
		if s = clean(s); s != "" {
			lines = append(lines, s)
		}
	}
	add(a.Title)
	add(a.Lead)
	for _, p := range a.Body {
		add(p)
	}
	return strings.Join(lines, "\n")
}

// Options tune HTML.
type Options struct {
	Selector string // CSS selector for the article body; when set, it overrides automatic body extraction (the title and a lead the page names as such still found)
	URL      string // page URL (for the extractor's heuristics / relative links)
}

// ErrNotHTML is wrapped by the errors HTML returns for input that is not an HTML document.
var ErrNotHTML = errors.New("not an HTML document")

// ErrNoMatch is returned when Options.Selector matches nothing: the layout changed, or
// the page is an error or challenge page rather than the article.
var ErrNoMatch = errors.New("matches nothing")

// HTML extracts the article from a decoded page (see Decode). It returns an error wrapping
// ErrNotHTML for input that is not an HTML document at all (binary data, PDF, JSON, plain text),
// and an error when opt.Selector is invalid or matches nothing. A page that is HTML but has no
// article text gives an Article with an empty Body and no error.
func HTML(page string, opt Options) (a Article, err error) {
	defer func() {
		// The extractor walks arbitrary markup; a bug there must cost one check, not the watcher.
		if r := recover(); r != nil {
			a, err = Article{}, fmt.Errorf("extract: internal error: %v", r)
		}
	}()
	if err := sniff(page); err != nil {
		return Article{}, err
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return Article{}, fmt.Errorf("parse HTML: %w", err)
	}
	prepare(doc)

	var picked []*html.Node
	if opt.Selector != "" {
		sel, err := cascadia.ParseGroup(opt.Selector)
		if err != nil {
			return Article{}, fmt.Errorf("invalid selector %q: %v", opt.Selector, err)
		}
		picked = outermost(cascadia.QueryAll(doc, sel))
		if len(picked) == 0 {
			return Article{}, fmt.Errorf("selector %q %w", opt.Selector, ErrNoMatch)
		}
	}

	ix := newIndex(doc)
	var res *trafilatura.ExtractResult
	if picked == nil {
		if box := densest(ix.ps); box != nil {
			// A page of thousands of paragraphs (a report, a dump, a hostile page) is
			// taken whole from the element that holds most of their text.
			picked = []*html.Node{box}
		} else {
			restore := detachFurniture(doc)
			res = runTrafilatura(doc, opt.URL)
			restore()
		}
	}

	var meta trafilatura.Metadata
	var body []para
	if res != nil {
		meta = res.Metadata
		if picked == nil && res.ContentNode != nil {
			body = paragraphs(nil, res.ContentNode)
		}
	}
	if picked != nil {
		body = paragraphs(isBoilerplate, picked...)
	}
	a.Body = filterBody(body)

	var title *html.Node
	a.Title, title = findTitle(doc, meta.Title)
	a.Body = dropLeading(a.Body, a.Title)
	if picked == nil {
		a.Body = rescue(ix, a.Body)
	}

	var bodyStart *html.Node
	if picked != nil {
		bodyStart = picked[0]
	} else if len(a.Body) > 0 {
		bodyStart = blockOf(ix.find(a.Body[0], title))
		if bodyStart == nil && title != nil {
			bodyStart = blockOf(ix.find(a.Body[0], nil))
		}
		if bodyStart != nil && title != nil && ix.order[bodyStart] < ix.order[title] {
			bodyStart = nil // the body starts before the title: no lead zone between them
		}
	}
	a.Lead, a.Body = dedupLead(findLead(ix, title, bodyStart, opt.Selector != ""), a.Body)
	a.Regions = regions(ix, title, a)

	a.Lang = pageLang(doc)
	if a.Lang == "" {
		a.Lang = detectLang(a.Body)
	}
	a.Author = clean(meta.Author)
	a.Date = findDate(doc)
	return a, nil
}

// extractConfig is trafilatura's default configuration, except that a short extraction is
// kept as it is: by default, under 250 characters, trafilatura falls back to a "baseline" that
// glues every paragraph of the page (menus included) into one, which would make a short page's
// text depend on its boilerplate.
var extractConfig = func() *trafilatura.Config {
	c := trafilatura.DefaultConfig()
	c.MinExtractedSize = 1
	return c
}()

// maxParagraphs is how many <p> a page may have for trafilatura to read it: it joins their
// texts one by one into a growing string, a cost that grows with the square of the page
// (a 5 MB page of 25 000 paragraphs took it 12 s). Articles have tens of paragraphs; long
// reports a few hundred.
const maxParagraphs = 2000

// densest returns, for a page with more than maxParagraphs paragraphs ps, the element
// whose <p> children hold the most text; nil for any other page.
func densest(ps []*html.Node) *html.Node {
	if len(ps) <= maxParagraphs {
		return nil
	}
	text := map[*html.Node]int{}
	var best *html.Node
	for _, p := range ps {
		if p.Parent == nil {
			continue
		}
		text[p.Parent] += len(textOf(p))
		if best == nil || text[p.Parent] > text[best] {
			best = p.Parent
		}
	}
	return best
}

// runTrafilatura runs the extractor and returns nil when it finds nothing.
func runTrafilatura(doc *html.Node, pageURL string) *trafilatura.ExtractResult {
	opts := trafilatura.Options{
		ExcludeComments: true,                 // reader comments are not the article and churn all day
		IncludeLinks:    true,                 // keeps <a> in the output, so link lists can be told apart
		HtmlDateMode:    trafilatura.Disabled, // findDate reads the date as the page states it
		Config:          extractConfig,
	}
	if u, err := url.Parse(pageURL); err == nil && u.Scheme != "" && u.Host != "" {
		opts.OriginalURL = u
	}
	res, err := trafilatura.ExtractDocument(doc, opts)
	if err != nil {
		return nil
	}
	return res
}

// detectLang names the language of the body's text, or "" when the detector is not sure of it:
// a wrong guess would change how figures are read ("1,500" is 1.5 in a decimal-comma language),
// and with "" the figure reader guesses from the words it knows. The detector reads the first
// 2 KB: they settle the language, and on longer texts whatlanggo v1.0.1's confidence turns
// negative (6 of the 25 real pages were "not sure" when read whole).
func detectLang(body []string) string {
	text := strings.Join(body, "\n")
	if len(text) > 2048 {
		text = strings.ToValidUTF8(text[:2048], "")
	}
	info := whatlanggo.Detect(text)
	if !info.IsReliable() {
		return ""
	}
	return info.Lang.Iso6391()
}

// proseWords is how many words outside links make a link-heavy line a sentence.
const proseWords = 6

// filterBody drops the paragraphs that are page furniture rather than article text: link
// lists ("Read more: …", tag lists, related articles), dates, bylines, counters, ad labels.
func filterBody(ps []para) []string {
	var out []string
	for _, p := range ps {
		// Mostly link text is a link list ("Read more: …", tags, related articles) unless
		// enough words stand outside the links for a sentence that merely links a phrase.
		if (p.links > 0.5 && p.plain < proseWords) || isFurniture(p.text) {
			continue
		}
		out = append(out, p.text)
	}
	return out
}

// dropLeading removes the title from the start of the body, where extractors often repeat it.
func dropLeading(body []string, title string) []string {
	t := squash(title)
	for len(body) > 0 && t != "" && squash(body[0]) == t {
		body = body[1:]
	}
	return body
}

// dedupLead returns the lead unless the body already holds it; a first body paragraph the lead
// already holds is dropped from the body instead.
func dedupLead(lead string, body []string) (string, []string) {
	l := squash(lead)
	if l == "" {
		return "", body
	}
	var all strings.Builder
	for _, p := range body {
		all.WriteString(squash(p))
	}
	if strings.Contains(all.String(), l) {
		return "", body
	}
	for len(body) > 0 && strings.Contains(l, squash(body[0])) {
		body = body[1:]
	}
	return lead, body
}

// blockOf returns the nearest block-level ancestor of n.
func blockOf(n *html.Node) *html.Node {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && blocks[n.DataAtom] {
			return n
		}
	}
	return nil
}

// outermost drops the nodes nested in another node of the list, so that a selector matching
// both a container and its children yields each paragraph once.
func outermost(ns []*html.Node) []*html.Node {
	var out []*html.Node
	for _, n := range ns {
		if len(out) > 0 && contains(out[len(out)-1], n) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// boilerWords mark subtrees of a selected container that are not article text.
var boilerWords = set("share", "sharing", "social", "related", "tags", "tag", "newsletter",
	"advert", "advertisement", "ad", "ads", "promo", "sponsor", "sponsored", "comments",
	"comment", "breadcrumb", "breadcrumbs", "toolbar", "readmore", "outbrain", "taboola")

// isBoilerplate tells which subtrees of a Selector match to leave out: navigation, sidebars,
// figures and elements whose class names them as share boxes, tag lists, ads or related links.
func isBoilerplate(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Aside, atom.Footer, atom.Figure, atom.Form, atom.Menu:
		return true
	}
	return anyIn(classWords(n), boilerWords)
}

// htmlTag finds markup that only HTML has; a document without any is not a web page.
var htmlTag = regexp.MustCompile(`(?i)<(?:!doctype\s+html|html|head|body|title|meta|p|div|span|a|article|main|section|header|footer|nav|h[1-6]|table|ul|ol|li|br|img|script|style|link)[\s>/]`)

// sniff rejects input that is not an HTML document at all, before the parser turns anything
// into a DOM.
func sniff(page string) error {
	head := strings.TrimLeft(page, " \t\r\n\f\ufeff")
	if head == "" {
		return fmt.Errorf("%w: empty input", ErrNotHTML)
	}
	if strings.HasPrefix(head, "%PDF") {
		return fmt.Errorf("%w: PDF document", ErrNotHTML)
	}
	if len(head) > 8192 {
		head = head[:8192]
	}
	bad := 0
	for _, r := range head {
		// Control characters, not invalid UTF-8: an undecoded legacy page is still a page.
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' && r != '\f' {
			bad++
		}
	}
	if bad > 0 && bad*100 >= utf8.RuneCountInString(head) {
		return fmt.Errorf("%w: binary data", ErrNotHTML)
	}
	if head[0] == '{' || head[0] == '[' {
		return fmt.Errorf("%w: looks like JSON", ErrNotHTML)
	}
	if !htmlTag.MatchString(page) {
		return fmt.Errorf("%w: no HTML markup", ErrNotHTML)
	}
	return nil
}
