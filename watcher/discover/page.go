package discover

import (
	"bytes"
	"html"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/text/unicode/norm"
)

// page is what an article page says of itself.
type page struct {
	url       string // canonical
	title     string
	text      string // title, headings, description and first paragraphs: what is matched
	published time.Time
	lang      string
}

// leadParagraphs is how many paragraphs of a page are matched besides its title and
// description: coverage names the Convention early; a passing mention at the end of
// another story, or in a sidebar, is not coverage.
const leadParagraphs = 5

// parsePage reads an article page. link is the canonical form of the URL asked for.
func parsePage(resp *response, link string) *page {
	p := &page{url: link}
	if c := Canonical(resp.url); c != "" {
		if homeFor(c, link) {
			return p // redirected to the home page: the article is gone, and the home page is not it
		}
		p.url = c
	}
	if ct := strings.ToLower(resp.ctype); ct != "" && !strings.Contains(ct, "html") {
		return p // a PDF or an image is not an article we can read
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(utf8Body(resp.body, resp.ctype)))
	if err != nil {
		return p
	}
	base := baseURL(doc, resp.url)
	doc.Find("link[rel][href]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if !hasToken(s.AttrOr("rel", ""), "canonical") {
			return true
		}
		if c := Canonical(resolve(base, s.AttrOr("href", ""))); c != "" && !homeFor(c, p.url) {
			p.url = c
		}
		return false
	})

	ogTitle := meta(doc, "og:title")
	h1 := clean(doc.Find("h1").First().Text())
	titleTag := clean(doc.Find("title").First().Text())
	p.title = firstOf(ogTitle, h1, titleTag)

	parts := []string{titleTag, ogTitle, h1, meta(doc, "description"), meta(doc, "og:description")}
	paras := doc.Find("article p")
	if paras.Length() == 0 {
		paras = doc.Find("main p")
	}
	if paras.Length() == 0 {
		paras = doc.Find("body p")
	}
	n := 0
	paras.EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if t := clean(s.Text()); t != "" {
			parts = append(parts, t)
			n++
		}
		return n < leadParagraphs
	})
	p.text = strings.Join(parts, "\n")

	for _, name := range []string{"article:published_time", "datePublished", "pubdate", "publishdate", "dc.date.issued", "dc.date", "date"} {
		if t := parseDate(meta(doc, name)); !t.IsZero() {
			p.published = t
			break
		}
	}
	if p.published.IsZero() {
		p.published = parseDate(doc.Find("time[datetime]").First().AttrOr("datetime", ""))
	}
	p.lang = firstOf(primaryLang(doc.Find("html").AttrOr("lang", "")),
		primaryLang(meta(doc, "og:locale")), primaryLang(meta(doc, "content-language")))
	return p
}

// homeFor reports whether a rel=canonical names the home page of an article that is not
// one: some sites give every page the home page as canonical, which would make all their
// articles one.
func homeFor(canonical, pageURL string) bool {
	c, err1 := url.Parse(canonical)
	u, err2 := url.Parse(pageURL)
	if err1 != nil || err2 != nil {
		return true
	}
	return c.Path == "/" && c.RawQuery == "" && (u.Path != "/" || u.RawQuery != "")
}

// anchor is one link of a listing page.
type anchor struct {
	href string // absolute
	text string // anchor text, title attribute and image alt texts
}

// anchors returns the page's links in document order.
func anchors(resp *response) []anchor {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(utf8Body(resp.body, resp.ctype)))
	if err != nil {
		return nil
	}
	base := baseURL(doc, resp.url)
	var out []anchor
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		href := resolve(base, s.AttrOr("href", ""))
		if href == "" {
			return
		}
		text := []string{clean(s.Text()), clean(s.AttrOr("title", ""))}
		s.Find("img[alt]").Each(func(_ int, img *goquery.Selection) {
			text = append(text, clean(img.AttrOr("alt", "")))
		})
		out = append(out, anchor{href: href, text: strings.Join(text, " ")})
	})
	return out
}

// baseURL is the page's <base href>, or its own URL.
func baseURL(doc *goquery.Document, pageURL string) *url.URL {
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	if b, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if bu, err := u.Parse(strings.TrimSpace(b)); err == nil {
			return bu
		}
	}
	return u
}

// resolve makes a link absolute; "" when it cannot be.
func resolve(base *url.URL, href string) string {
	if base == nil {
		return ""
	}
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	return u.String()
}

// slugWords are the words of a URL's file name: Vietnamese sites name articles after
// their title without diacritics ("cong-uoc-ha-noi-...-post123.vnp"), so a link with an
// image for all text still says what it is about.
func slugWords(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	name, err := url.PathUnescape(path.Base(u.EscapedPath()))
	if err != nil {
		return ""
	}
	if ext := path.Ext(name); len(ext) <= 5 {
		name = strings.TrimSuffix(name, ext)
	}
	return strings.NewReplacer("-", " ", "_", " ", "+", " ").Replace(name)
}

// assetExts are file types that are never articles nor listings.
var assetExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".svg": true,
	".ico": true, ".css": true, ".js": true, ".json": true, ".xml": true, ".rss": true,
	".pdf": true, ".zip": true, ".rar": true, ".doc": true, ".docx": true, ".xls": true,
	".xlsx": true, ".ppt": true, ".pptx": true, ".mp3": true, ".mp4": true, ".webm": true,
	".avi": true, ".mov": true, ".woff": true, ".woff2": true, ".ttf": true,
}

func isAsset(link string) bool {
	u, err := url.Parse(link)
	if err != nil {
		return true
	}
	return assetExts[strings.ToLower(path.Ext(u.Path))]
}

// meta returns the content of <meta name|property|itemprop=key>, the first one that has
// one.
func meta(doc *goquery.Document, key string) string {
	var v string
	doc.Find("meta[content]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		for _, a := range []string{"property", "name", "itemprop", "http-equiv"} {
			if strings.EqualFold(s.AttrOr(a, ""), key) {
				v = clean(s.AttrOr("content", ""))
				return v == ""
			}
		}
		return true
	})
	return v
}

// primaryLang returns the primary subtag of a language tag or locale ("vi-VN", "fr_FR"),
// lower case, or "" if it is not one.
func primaryLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for _, r := range tag {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return tag
}

// plain returns the text of an HTML fragment, as feed descriptions are.
func plain(s string) string {
	if !strings.Contains(s, "<") {
		return clean(html.UnescapeString(s))
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(s))
	if err != nil {
		return clean(s)
	}
	return clean(doc.Text())
}

// clean collapses white space and composes characters (NFC), so that titles from
// decomposed sources read and compare like the others.
func clean(s string) string {
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func hasToken(list, token string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}
