package extract

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Lines that only say when, who or how popular are page furniture, not article text: they
// change on their own ("3 hours ago", "1,234 views") or are metadata kept elsewhere (date,
// author). The patterns cover the languages the watcher meets; a line is dropped only when,
// with its dates, times and counters taken out, next to no words remain, so a body sentence
// that mentions a date is kept.
var (
	reStamp = regexp.MustCompile(`(?i)` +
		`\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b` + // 22/10/2025, 2025-10-22, 12.08.2015
		`|\b\d{1,2}\s*[:hH]\s*\d{2}(?::\d{2})?\s*(?:am|pm|uhr)?\b` + // 14:57, 14h57, 4:46 pm
		`|` + zone +
		`|\b\d{1,2}(?:er|st|nd|rd|th)?\.?\s+(?:jan|feb|fév|fev|mar|apr|avr|may|mai|jun|juin|jul|juil|aug|aoû|aou|sep|oct|nov|dec|déc|ene|abr|ago|dic|dez|mär|okt|set|out|gen|giu|lug|ott)[\p{L}.]*(?:\s+\d{4})?` +
		`|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z.]*\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?` +
		`|\btháng\s+\d{1,2}(?:\s*(?:năm|,)?\s*\d{4})?` +
		`|\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?` +
		`|\b\d+\s*(?:s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|weeks?|months?|years?)\s+ago\b` +
		`|\bil\s+y\s+a\s+\d+\s*\p{L}*` +
		`|\b\d+\s+(?:giây|phút|giờ|ngày|tuần|tháng|năm)\s+trước` +
		`|\b(?:vor|hace|há)\s+\d+\s*\p{L}*` +
		`|\d[\d.,\s\x{a0}\x{202f}]*[kKmM]?\s*(?:views?|reads?|comments?|shares?|likes?|vues?|lectures?|commentaires?|partages?|réactions?|lượt\s+xem|lượt\s+thích|bình\s+luận|chia\s+sẻ|kommentare?|aufrufe|comentarios?|comentários?|visualiza\p{L}+|compartilhamentos?|次阅读|阅读|评论)` +
		`|(?i:views?|comments?|shares?|likes?|vues?|commentaires?|partages?|réactions?|bình\s+luận|lượt\s+xem|kommentare?|comentarios?|comentários?)\s*[:(]?\s*\d[\d.,]*\)?` +
		`|\b\d+\s*(?:min|mins|minutes?|mn)\.?\s*(?:read|de\s+lecture|lesezeit|de\s+leitura|de\s+lectura|đọc)` +
		`|\b(?:reading\s+time|temps\s+de\s+lecture|lecture|lesezeit|tiempo\s+de\s+lectura)\s*:?\s*\d+\s*(?:min|mn)\p{L}*`)

	reStampLead = regexp.MustCompile(`(?i)^(?:last\s+updated|updated|published|posted|modified|mis\s+à\s+jour|publié|modifié|actualisé|cập\s+nhật|đăng\s+lúc|aktualisiert|veröffentlicht|actualizado|publicado|atualizado|aggiornato|pubblicato|更新|发布)(?:\P{L}|$)`)

	reByline = regexp.MustCompile(`^(?i:by|par|von|por|bởi|di)\s+\p{Lu}`)

	// reZone is the one pattern of reStamp that matches without a digit: on a line without
	// digits (most lines) it finds what reStamp would, with one alternative instead of fifteen.
	reZone = regexp.MustCompile(`(?i)` + zone)
)

const zone = `\b(?:gmt|utc|cet|cest|bst|est|edt|pst|pdt|ict)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?\b`

// adLabels are the words ad slots print; as a line of their own they are never article text.
var adLabels = map[string]bool{
	"advertisement": true, "advertising": true, "ad": true, "ads": true, "sponsored": true,
	"publicité": true, "pub": true, "anzeige": true, "werbung": true, "quảng cáo": true,
	"publicidad": true, "publicidade": true, "pubblicità": true, "广告": true,
	"continue reading below": true, "article continues below": true,
	"la suite après cette publicité": true, "la suite après la publicité": true,
	"story continues below advertisement": true, "scroll to continue with content": true,
}

// isFurniture reports whether a line is a date, time, counter, byline or ad label rather than
// article text.
func isFurniture(line string) bool {
	n := words(line)
	if n > 20 {
		return false
	}
	low := strings.ToLower(strings.TrimRight(line, " .:·•|-–—"))
	if adLabels[low] {
		return true
	}
	// A line without a single letter ("233", "12 | 4") is a widget's counter or page
	// number that lost its label, never a sentence of the article.
	if !strings.ContainsFunc(line, unicode.IsLetter) {
		return true
	}
	if reStampLead.MatchString(line) && n <= 14 {
		return true
	}
	if reByline.MatchString(line) && n <= 6 && !strings.ContainsAny(line, ".!?") {
		return true
	}
	stamp := reStamp
	if !strings.ContainsAny(line, "0123456789") {
		stamp = reZone
	}
	if !stamp.MatchString(line) {
		return false
	}
	rest := stamp.ReplaceAllString(line, " ")
	letters := 0
	for _, r := range rest {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters <= 20 && words(rest) <= 4
}

// dateKeys are the <meta> property, name and itemprop values that carry the publication date,
// most specific first.
var dateKeys = []string{"article:published_time", "og:article:published_time", "datepublished",
	"pubdate", "publishdate", "publish-date", "published_time", "parsely-pub-date",
	"sailthru.date", "dc.date.issued", "dc.date", "date"}

// ldDate finds the publication date in JSON-LD.
var ldDate = regexp.MustCompile(`"datePublished"\s*:\s*"([^"]{4,40})"`)

// findDate returns the publication date as the page states it: a <meta> date, else the
// JSON-LD datePublished, else the first <time datetime> marked as publication or, failing
// that, the first one in the page; "" when there is none.
func findDate(doc *html.Node) string {
	metas := map[string]string{}
	var ld, marked, first string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Meta:
			v := strings.TrimSpace(attr(n, "content"))
			for _, k := range [...]string{"property", "name", "itemprop"} {
				if key := strings.ToLower(attr(n, k)); key != "" && v != "" && metas[key] == "" {
					metas[key] = v
				}
			}
		case atom.Script:
			if ld == "" && n.FirstChild != nil { // prepare keeps only JSON-LD scripts
				if m := ldDate.FindStringSubmatch(n.FirstChild.Data); m != nil {
					ld = m[1]
				}
			}
		case atom.Time:
			v := strings.TrimSpace(attr(n, "datetime"))
			if v == "" {
				continue
			}
			if _, pub := attrOK(n, "pubdate"); marked == "" && (pub || strings.EqualFold(attr(n, "itemprop"), "datePublished")) {
				marked = v
			}
			if first == "" {
				first = v
			}
		}
	}
	for _, k := range dateKeys {
		if v := metas[k]; v != "" {
			return v
		}
	}
	for _, v := range []string{ld, marked, first} {
		if v != "" {
			return clean(v)
		}
	}
	return ""
}

// pageLang returns the page language: <html lang>, else og:locale or a Content-Language meta,
// reduced to its primary subtag ("vi-VN" → "vi"), or "".
func pageLang(doc *html.Node) string {
	var lang, meta string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Html:
			if lang == "" {
				lang = attr(n, "lang")
				if lang == "" {
					lang = attr(n, "xml:lang")
				}
			}
		case atom.Meta:
			p := strings.ToLower(attr(n, "property") + attr(n, "http-equiv") + attr(n, "name"))
			if meta == "" && (p == "og:locale" || p == "content-language") {
				meta = attr(n, "content")
			}
		case atom.Body:
			return primaryLang(lang, meta)
		}
	}
	return primaryLang(lang, meta)
}

// primaryLang returns the primary subtag of the first usable language tag.
func primaryLang(tags ...string) string {
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if i := strings.IndexAny(t, "-_ ,;"); i >= 0 {
			t = t[:i]
		}
		if len(t) >= 2 && len(t) <= 3 && strings.Trim(t, "abcdefghijklmnopqrstuvwxyz") == "" {
			return t
		}
	}
	return ""
}
