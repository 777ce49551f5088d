package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/nlnwa/gowarc/v3"

	"hanoiwatch/watcher"
)

// Captures is what WARC reads: the captures, streamed, and the screenshots of rendered
// versions (watcher.ErrNotFound for a version that has none).
type Captures interface {
	EachCapture(keep func(*watcher.Capture) bool, fn func(watcher.Capture) error) error
	Screenshot(source, snapshot string) ([]byte, error)
}

// WARC writes the captures the filter keeps to w as a WARC 1.1 file: a warcinfo record,
// then for each exchange of each capture (the redirects, then the final answer) a request
// record and a response record, each naming the other in WARC-Concurrent-To. Each record
// is its own gzip member, as web archives store them (a .warc.gz file). It returns the
// number of captures written. A version rendered with `screenshot: true` adds a resource
// record of its image (image/jpeg, target urn:screenshot: and the page's URL), concurrent
// to the final response.
//
// The body is stored decoded (see watcher.Capture), so a response record's HTTP head
// differs from the one served in what describes the encoding: Content-Encoding,
// Transfer-Encoding and Content-Length become X-Archive-Orig-Content-Encoding, ...,
// and Content-Length is the length of the body as kept. A redirect's body was not kept:
// its record has the head only. Header fields come sorted by name: net/http does not keep
// their order.
func WARC(w io.Writer, st Captures, f Filter, software string) (int, error) {
	x := &warcWriter{w: w, m: gowarc.NewMarshaler()}
	if err := x.info(software); err != nil {
		return 0, err
	}
	n := 0
	err := st.EachCapture(f.keepCapture, func(c watcher.Capture) error {
		n++
		final, err := x.capture(c)
		if err != nil || c.Snapshot == "" || c.Event == watcher.ArticleGone {
			return err // a capture of a page gone is filed under the version before it
		}
		img, err := st.Screenshot(c.Source, c.Snapshot)
		if errors.Is(err, watcher.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return x.screenshot(c, final, img)
	})
	return n, err
}

// screenshot writes the image of a captured version as a resource record, concurrent to
// the capture's final response (its record id).
func (x *warcWriter) screenshot(c watcher.Capture, final string, img []byte) error {
	b := gowarc.NewRecordBuilder(gowarc.Resource, recordOptions...)
	b.AddWarcHeader(gowarc.WarcTargetURI, "urn:screenshot:"+c.URL)
	b.AddWarcHeaderTime(gowarc.WarcDate, c.Time)
	b.AddWarcHeader(gowarc.ContentType, "image/jpeg")
	if _, err := b.Write(img); err != nil {
		return err
	}
	r, _, err := b.Build()
	if err != nil {
		return fmt.Errorf("warc: screenshot of %s at %s: %w", c.Source, c.Time.Format(time.RFC3339), err)
	}
	defer r.Close()
	if final != "" {
		r.WarcHeader().AddId(gowarc.WarcConcurrentTo, final)
	}
	return x.write(r)
}

type warcWriter struct {
	w  io.Writer
	m  gowarc.Marshaler
	gz *gzip.Writer
}

// The records' digests are SHA-256 in hex, so that a response's WARC-Payload-Digest is
// "sha256:" and the capture's SHA-256, the one its event carries.
var recordOptions = []gowarc.WarcRecordOption{
	gowarc.WithDefaultDigestAlgorithm("sha256"), gowarc.WithDefaultDigestEncoding(gowarc.Base16),
	gowarc.WithAddMissingDigest(true), gowarc.WithAddMissingContentLength(true), gowarc.WithAddMissingRecordId(true),
	gowarc.WithStrictValidation(),
}

func (x *warcWriter) info(software string) error {
	b := gowarc.NewRecordBuilder(gowarc.Warcinfo, recordOptions...)
	b.AddWarcHeaderTime(gowarc.WarcDate, time.Now())
	b.AddWarcHeader(gowarc.ContentType, "application/warc-fields")
	fmt.Fprintf(b, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n", software)
	r, _, err := b.Build()
	if err != nil {
		return fmt.Errorf("warc: warcinfo: %w", err)
	}
	return x.write(r)
}

// capture writes the records of one capture and returns the record id of its final
// response.
func (x *warcWriter) capture(c watcher.Capture) (string, error) {
	exs := c.Exchanges
	if len(exs) == 0 { // a fetcher that recorded no exchange: the final answer as far as known
		exs = []watcher.Exchange{{Time: c.Time, Method: http.MethodGet, URL: c.URL, Proto: "HTTP/1.1", Status: http.StatusOK}}
	}
	final := ""
	for i, ex := range exs {
		var body []byte
		if i == len(exs)-1 {
			body = c.Body
		}
		req, err := x.record(gowarc.Request, ex, requestBlock(ex), nil)
		if err != nil {
			return "", fmt.Errorf("warc: capture of %s at %s: %w", c.Source, c.Time.Format(time.RFC3339), err)
		}
		res, err := x.record(gowarc.Response, ex, responseBlock(ex, body), body)
		if err != nil {
			req.Close()
			return "", fmt.Errorf("warc: capture of %s at %s: %w", c.Source, c.Time.Format(time.RFC3339), err)
		}
		final = res.WarcHeader().GetId(gowarc.WarcRecordID)
		req.WarcHeader().AddId(gowarc.WarcConcurrentTo, res.WarcHeader().GetId(gowarc.WarcRecordID))
		res.WarcHeader().AddId(gowarc.WarcConcurrentTo, req.WarcHeader().GetId(gowarc.WarcRecordID))
		err = x.write(req)
		if err == nil {
			err = x.write(res)
		}
		req.Close()
		res.Close()
		if err != nil {
			return "", err
		}
	}
	return final, nil
}

func (x *warcWriter) record(typ gowarc.RecordType, ex watcher.Exchange, head []byte, body []byte) (gowarc.WarcRecord, error) {
	b := gowarc.NewRecordBuilder(typ, recordOptions...)
	b.AddWarcHeader(gowarc.WarcTargetURI, ex.URL)
	b.AddWarcHeaderTime(gowarc.WarcDate, ex.Time)
	kind := "request"
	if typ == gowarc.Response {
		kind = "response"
	}
	b.AddWarcHeader(gowarc.ContentType, "application/http;msgtype="+kind)
	if _, err := b.Write(head); err != nil {
		return nil, err
	}
	if _, err := b.Write(body); err != nil {
		return nil, err
	}
	r, _, err := b.Build()
	return r, err
}

// write puts one record in its own gzip member. klauspost/compress's gzip writes the same
// format as the standard library's three times as fast: an export is mostly compression.
func (x *warcWriter) write(r gowarc.WarcRecord) error {
	if x.gz == nil {
		x.gz = gzip.NewWriter(x.w)
	} else {
		x.gz.Reset(x.w)
	}
	if _, _, err := x.m.Marshal(x.gz, r, 0); err != nil {
		return fmt.Errorf("warc: %w", err)
	}
	if err := x.gz.Close(); err != nil {
		return fmt.Errorf("warc: %w", err)
	}
	return nil
}

// requestBlock is the request's head as sent: net/http adds the Host field from the URL.
func requestBlock(ex watcher.Exchange) []byte {
	var b bytes.Buffer
	target, host := ex.URL, ""
	if u, err := url.Parse(ex.URL); err == nil {
		target, host = u.RequestURI(), u.Host
	}
	method := ex.Method
	if method == "" {
		method = http.MethodGet
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	writeHeader(&b, ex.Request)
	b.WriteString("\r\n")
	return b.Bytes()
}

// encodingFields describe how the body travelled; the body is kept decoded, so they are
// kept under X-Archive-Orig- names.
var encodingFields = []string{"Content-Encoding", "Content-Length", "Transfer-Encoding"}

func responseBlock(ex watcher.Exchange, body []byte) []byte {
	var b bytes.Buffer
	proto := ex.Proto
	if proto == "" || strings.HasPrefix(proto, "HTTP/2") || strings.HasPrefix(proto, "HTTP/3") {
		// An HTTP/2 head is not text; archives write it as HTTP/1.1, which tools read.
		proto = "HTTP/1.1"
	}
	fmt.Fprintf(&b, "%s %d %s\r\n", proto, ex.Status, http.StatusText(ex.Status))
	h := ex.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, k := range encodingFields {
		if v, ok := h[k]; ok {
			h["X-Archive-Orig-"+k] = v
			delete(h, k)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	writeHeader(&b, h)
	b.WriteString("\r\n")
	return b.Bytes()
}

func writeHeader(b *bytes.Buffer, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			// A field value cannot hold a line break; net/http refuses to send or read one.
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			fmt.Fprintf(b, "%s: %s\r\n", k, v)
		}
	}
}
