package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/extract"
)

// pageExtractor adapts the pure extract package to the pipeline.
type pageExtractor struct{}

func (pageExtractor) Extract(p *watcher.Page, src watcher.Source) (watcher.Article, error) {
	ct := p.ContentType
	if ct == "" {
		ct = http.DetectContentType(p.Body)
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "text/html" && mt != "application/xhtml+xml" {
		return watcher.Article{}, fmt.Errorf("not an HTML page (Content-Type %s)", ct)
	}
	page, err := extract.Decode(p.Body, p.ContentType)
	if err != nil {
		return watcher.Article{}, fmt.Errorf("decode: %w", err)
	}
	art, err := extract.HTML(page, extract.Options{Selector: src.Selector, URL: p.URL})
	if err != nil {
		if errors.Is(err, extract.ErrNoMatch) {
			return watcher.Article{}, errors.Join(watcher.ErrNoText, err)
		}
		return watcher.Article{}, err
	}
	text := art.Text()
	if text == "" {
		return watcher.Article{}, watcher.ErrNoText
	}
	out := watcher.Article{Text: text, Title: art.Title, Date: art.Date, Author: art.Author, Lang: art.Lang}
	if art.Regions != nil {
		out.Regions, _ = json.Marshal(art.Regions)
	}
	return out, nil
}

// Fingerprint is the fast path: the hash of the regions where the article lay.
func (pageExtractor) Fingerprint(p *watcher.Page, regions json.RawMessage) (string, bool) {
	var rs []extract.Region
	if json.Unmarshal(regions, &rs) != nil {
		return "", false
	}
	// The content type takes part: the same bytes under another charset are another text.
	h, ok := extract.Fingerprint(p.Body, rs)
	return p.ContentType + "\x00" + h, ok
}
