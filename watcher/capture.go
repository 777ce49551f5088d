package watcher

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// Exchange is one HTTP request and the head of its response, as sent and as served: one
// hop of a fetch, a redirect or the final answer.
type Exchange struct {
	Time    time.Time   `json:"time"` // when the request was sent
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Request http.Header `json:"request"` // the request's headers as sent (net/http adds Host from the URL)
	Proto   string      `json:"proto"`   // of the response: "HTTP/1.1", "HTTP/2.0"
	Status  int         `json:"status"`
	Header  http.Header `json:"header"` // the response's headers as served, Content-Encoding and Content-Length included
}

// Capture is a response as the site served it, kept as evidence of what it published: for
// every check that made a snapshot and every article.gone. Exchanges are the hops of the
// fetch in order (redirects, then the final answer); Body is the final answer's body as
// received, after transfer and content decoding (a gzip body is kept decompressed).
type Capture struct {
	Time      time.Time  `json:"time"`     // the check's
	Source    string     `json:"source"`   // the source's name
	URL       string     `json:"url"`      // the URL requested
	Snapshot  string     `json:"snapshot"` // the snapshot it is evidence for: the new one, or the last one for article.gone
	Event     string     `json:"event"`    // the type of the check's first event: article.new, article.changed, article.gone...
	Exchanges []Exchange `json:"exchanges,omitempty"`
	SHA256    string     `json:"sha256"` // of Body, hex
	Size      int        `json:"size"`   // of Body
	Body      []byte     `json:"-"`
}

// Final returns the final answer's exchange, or nil when the fetcher gave none.
func (c *Capture) Final() *Exchange {
	if len(c.Exchanges) == 0 {
		return nil
	}
	return &c.Exchanges[len(c.Exchanges)-1]
}

// CaptureRef is how an event names its capture, so that whoever gets the event can check a
// copy of the body against it.
type CaptureRef struct {
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// capture keeps the page of a check that made a snapshot or found the article gone, and
// names it in the check's events. Other checks keep nothing: an unchanged page is the
// stored one, and a failure's page is not the article's.
func (c *checkRun) capture(p *Page) {
	gone := len(c.rec.Events) > 0 && c.rec.Events[0].Type == ArticleGone
	if p == nil || (c.rec.Snapshot == nil && !gone) {
		return
	}
	snap, kind := c.rec.Check.Snapshot, ""
	if gone {
		snap = c.prev.Snapshot
	}
	if len(c.rec.Events) > 0 {
		kind = c.rec.Events[0].Type // a change of another kind of source may make none
	}
	body := p.Body
	if p.Served != nil { // a rendered page: the evidence is what the site sent
		body = p.Served
	}
	sum := sha256.Sum256(body)
	cp := &Capture{Time: c.rec.Check.Time, Source: c.src.Name, URL: c.src.URL, Snapshot: snap, Event: kind,
		Exchanges: p.Exchanges, SHA256: hex.EncodeToString(sum[:]), Size: len(body), Body: body}
	c.rec.Capture = cp
	for i := range c.rec.Events {
		c.rec.Events[i].Capture = &CaptureRef{SHA256: cp.SHA256, Size: cp.Size}
	}
}
