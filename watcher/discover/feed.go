package discover

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// feed runs a feed job. Items whose title or description match are taken, their page
// fetched when the budget allows to learn its canonical URL and language; then, while the
// budget lasts, the pages of the other items are fetched and matched on their text, for
// the stories whose title does not name the Convention.
func (r *run) feed(ctx context.Context) error {
	resp, err := r.fetch(ctx, r.job.URL, acceptFeed)
	if err != nil {
		return err
	}
	// The raw bytes go to gofeed: it reads the encoding from the XML declaration.
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(resp.body))
	if err != nil {
		return fmt.Errorf("parse feed %s: %w", r.job.URL, err)
	}
	base, _ := url.Parse(resp.url)
	lang := primaryLang(feed.Language)
	type item struct {
		link, title string
		published   time.Time
	}
	var rest []item
	for _, it := range feed.Items {
		link := itemLink(it, base)
		if link == "" || site(link) != r.site {
			continue
		}
		title, pub := plain(it.Title), itemDate(it)
		kw, ok := r.d.topic.Find(title + "\n" + plain(it.Description))
		if !ok {
			rest = append(rest, item{link, title, pub})
			continue
		}
		f := Found{URL: link, Title: title, Published: pub, Job: r.job.Name, FoundAt: r.job.URL, Lang: lang, Keyword: kw}
		if p := r.article(ctx, link); p != nil {
			f.URL = p.url
			f.Title = firstOf(f.Title, p.title)
			f.Lang = firstOf(p.lang, f.Lang)
			if f.Published.IsZero() {
				f.Published = p.published
			}
		}
		r.add(f)
	}
	for _, it := range rest {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := r.article(ctx, it.link)
		if p == nil {
			continue
		}
		kw, ok := r.d.topic.Find(p.text)
		if !ok {
			continue
		}
		f := Found{URL: p.url, Title: firstOf(it.title, p.title), Published: it.published, Job: r.job.Name,
			FoundAt: r.job.URL, Lang: firstOf(p.lang, lang), Keyword: kw}
		if f.Published.IsZero() {
			f.Published = p.published
		}
		r.add(f)
	}
	return ctx.Err()
}

// itemLink is the canonical URL of a feed item: its link, or its GUID when that is a URL.
func itemLink(it *gofeed.Item, base *url.URL) string {
	cands := []string{it.Link}
	cands = append(cands, it.Links...)
	cands = append(cands, it.GUID)
	for _, c := range cands {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if base != nil {
			if u, err := base.Parse(c); err == nil {
				c = u.String()
			}
		}
		if l := Canonical(c); l != "" {
			return l
		}
	}
	return ""
}

// itemDate is the item's publication date. The raw text is read first, by parseDate:
// gofeed reads VTV's "Sun, 5 Oct 2025 09:00:00 +07" as 09:00 UTC (it takes "+07" for a
// zone name, with a zero offset), and Báo Chính phủ's dates not at all. gofeed's own
// reading is the fallback, for the English formats it knows and parseDate does not.
func itemDate(it *gofeed.Item) time.Time {
	if t := parseDate(it.Published); !t.IsZero() {
		return t
	}
	if it.PublishedParsed != nil {
		return it.PublishedParsed.UTC()
	}
	if t := parseDate(it.Updated); !t.IsZero() {
		return t
	}
	if it.UpdatedParsed != nil {
		return it.UpdatedParsed.UTC()
	}
	return time.Time{}
}
