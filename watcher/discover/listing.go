package discover

import (
	"context"
	"errors"
	"strings"
)

// listing runs a listing job, breadth first: each level's pages are read, then the links
// whose text or URL slug matches are fetched as articles, then the other links of the
// site, if the depth allows, make the next level. Articles go before further listings, as
// they are what the budget is for.
func (r *run) listing(ctx context.Context) error {
	queued := map[string]bool{Canonical(r.job.URL): true}
	level := []string{r.job.URL}
	for depth := 0; depth < r.job.Depth && len(level) > 0; depth++ {
		type linked struct {
			text, from string
		}
		links := map[string]*linked{}
		var order []string
		for _, p := range level {
			resp, err := r.fetch(ctx, p, acceptHTML)
			if err != nil {
				if depth == 0 {
					return err
				}
				r.d.log.Debug("discover: listing skipped", "job", r.job.Name, "url", p, "err", err)
				if errors.Is(err, errBudget) || ctx.Err() != nil {
					break
				}
				continue
			}
			for _, a := range anchors(resp) {
				c := Canonical(a.href)
				if c == "" || queued[c] || site(c) != r.site || isAsset(c) {
					continue
				}
				// A link is often there twice, as an image and as a title: judge it on
				// all its texts on the level.
				l := links[c]
				if l == nil {
					l = &linked{from: p}
					links[c] = l
					order = append(order, c)
				}
				l.text += " " + a.text
			}
		}
		var cands, next []string
		for _, c := range order {
			queued[c] = true
			if r.d.topic.Match(strings.Join([]string{links[c].text, slugWords(c)}, " ")) {
				cands = append(cands, c)
			} else if depth+1 < r.job.Depth {
				next = append(next, c)
			}
		}
		for _, c := range cands {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := r.article(ctx, c)
			if p == nil {
				continue
			}
			if kw, ok := r.d.topic.Find(p.text); ok {
				r.add(Found{URL: p.url, Title: p.title, Published: p.published, Job: r.job.Name,
					FoundAt: links[c].from, Lang: p.lang, Keyword: kw})
			}
		}
		level = next
	}
	return ctx.Err()
}
