// Package article adapts the extractors to the pipeline (watcher.Extractor and
// watcher.Fingerprinter): a news page goes to watcher/extract, the depositary's status of
// the Convention to watcher/treaty. Both faces of hanoiwatch that check sources, the
// one-shot check and the daemon, use it.
package article

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"hanoiwatch/diff/figures"
	"hanoiwatch/seeds"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/extract"
	"hanoiwatch/watcher/treaty"
)

// Extractor turns a fetched page into its article.
type Extractor struct{}

var (
	_ watcher.Extractor     = Extractor{}
	_ watcher.Fingerprinter = Extractor{}
)

// Extract reads the article of a page: the treaty's status for a treaty-status source,
// else the news article (an error for what is not an HTML page).
func (Extractor) Extract(p *watcher.Page, src watcher.Source) (watcher.Article, error) {
	if src.Kind == watcher.KindTreatyStatus {
		return treatyArticle(p)
	}
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
	if rs := extract.Locate(p.Body, art.Regions); rs != nil {
		out.Regions, _ = json.Marshal(rs)
	}
	return out, nil
}

// Fingerprint is the fast path: the hash of the regions where the article lay.
func (Extractor) Fingerprint(p *watcher.Page, regions json.RawMessage) (string, bool) {
	var rs []extract.Region
	if json.Unmarshal(regions, &rs) != nil {
		return "", false
	}
	// The content type takes part: the same bytes under another charset are another text.
	h, ok := extract.Fingerprint(p.Body, rs)
	return p.ContentType + "\x00" + h, ok
}

// treatyArticle reads the depositary status (the XML document, or the HTML status page) into
// its canonical text. The maintenance page and a malformed document are errors, never
// ErrNoText: a failed check keeps the last good snapshot as the one the next reading is
// compared with, where an empty text would, after a few suspect checks, become a change
// of every count to zero. No Regions: the fast path is for news pages, and the status
// document is small enough to read in full.
func treatyArticle(p *watcher.Page) (watcher.Article, error) {
	text, err := treaty.Snapshot(p.Body, p.ContentType)
	if err != nil {
		return watcher.Article{}, err
	}
	return watcher.Article{Text: text, Title: treatyTitle, Lang: "en"}, nil
}

// treatyTitle names the snapshots of a treaty-status source in `snapshots` and events.
const treatyTitle = "United Nations Convention against Cybercrime: status (UN Treaty Collection, XVIII-16)"

// Figures returns the figure extractor of the canonical subjects embedded in seeds
// (seeds/subjects.yaml): the one the pipeline and the read models read figures with.
func Figures() *figures.Extractor {
	var subs []figures.Subject
	for _, s := range seeds.Subjects() {
		subs = append(subs, figures.Subject(s))
	}
	return figures.New(subs)
}
