package export_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/export"
	"hanoiwatch/watcher/store"
)

// fill records n changes of each source, each with its capture: a redirect, then a gzip
// answer whose head and body name the source and the version.
func fill(t testing.TB, s *store.Store, sources []string, n int, t0 time.Time) []*watcher.Capture {
	t.Helper()
	var out []*watcher.Capture
	for i := range n {
		for _, name := range sources {
			at := t0.Add(time.Duration(i) * time.Hour)
			text := fmt.Sprintf("%s: %d pays ont signé la convention.", name, 60+i)
			id := watcher.SnapshotID(text)
			body := []byte(fmt.Sprintf("<html><body><p>%s</p>%s</body></html>", text, strings.Repeat("<nav>menu</nav>", 50)))
			sum := sha256.Sum256(body)
			typ := watcher.ArticleChanged
			if i == 0 {
				typ = watcher.ArticleNew
			}
			u := "http://127.0.0.1/" + name
			c := &watcher.Capture{Time: at, Source: name, URL: u, Snapshot: id, Event: typ,
				Exchanges: []watcher.Exchange{
					{Time: at, Method: "GET", URL: u, Request: http.Header{"User-Agent": {"hanoiwatch/1"}, "Accept-Encoding": {"gzip"}},
						Proto: "HTTP/1.1", Status: 301, Header: http.Header{"Location": {u + "/"}, "Content-Length": {"0"}}},
					{Time: at.Add(time.Millisecond), Method: "GET", URL: u + "/?a=1", Request: http.Header{"User-Agent": {"hanoiwatch/1"}},
						Proto: "HTTP/2.0", Status: 200, Header: http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"gzip"},
							"Content-Length": {"123"}, "X-Version": {fmt.Sprint(i)}}},
				},
				SHA256: hex.EncodeToString(sum[:]), Size: len(body), Body: body}
			r := watcher.Record{Source: name, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
				State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)},
				Text: text, Capture: c, Events: []watcher.Event{{ID: id, Type: typ, Time: at, Source: watcher.EventSource{Name: name, URL: u},
					Snapshot: id, Capture: &watcher.CaptureRef{SHA256: c.SHA256, Size: c.Size}}}}
			if err := s.Record(r); err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
	}
	return out
}

// TestWARC exports captures and reads the file back with gowarc, strictly: every record
// parses, its digests verify, requests and responses name each other, and the payloads
// are the captured bodies, their digests the SHA-256 the events carry.
func TestWARC(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	caps := fill(t, s, []string{"vtv", "nhandan"}, 3, t0)

	var buf bytes.Buffer
	n, err := export.WARC(&buf, s, export.Filter{}, "hanoiwatch test")
	if err != nil || n != len(caps) {
		t.Fatalf("WARC wrote %d captures (%v), want %d", n, err, len(caps))
	}
	recs := readWARC(t, buf.Bytes())
	// warcinfo, then per capture two exchanges of a request and a response.
	if len(recs) != 1+4*len(caps) || recs[0].typ != gowarc.Warcinfo {
		t.Fatalf("%d records, first %v", len(recs), recs[0].typ)
	}
	byID := map[string]warcRecord{}
	for _, r := range recs {
		byID[r.id] = r
	}
	bySHA := map[string]*watcher.Capture{}
	for _, c := range caps {
		bySHA[c.SHA256] = c
	}
	finals := 0
	for _, r := range recs[1:] {
		peer, ok := byID[r.concurrent]
		if !ok || peer.concurrent != r.id || peer.uri != r.uri || peer.typ == r.typ {
			t.Fatalf("record %s (%v %s) is concurrent to %q", r.id, r.typ, r.uri, r.concurrent)
		}
		if r.typ != gowarc.Response || !strings.Contains(r.uri, "?a=1") {
			continue
		}
		finals++
		c := bySHA[strings.TrimPrefix(r.payloadDigest, "sha256:")]
		if c == nil {
			t.Fatalf("response %s: payload digest %s names no capture", r.uri, r.payloadDigest)
		}
		if !bytes.Equal(r.payload, c.Body) || r.status != 200 || !r.date.Equal(c.Exchanges[1].Time) {
			t.Fatalf("response %s: status %d, date %s, payload %q", r.uri, r.status, r.date, r.payload)
		}
		if r.header.Get("Content-Encoding") != "" || r.header.Get("X-Archive-Orig-Content-Encoding") != "gzip" ||
			r.header.Get("X-Archive-Orig-Content-Length") != "123" || r.header.Get("Content-Length") != fmt.Sprint(len(c.Body)) {
			t.Fatalf("response head %v", r.header)
		}
		req := byID[r.concurrent]
		if req.header.Get("User-Agent") != "hanoiwatch/1" || !strings.Contains(req.line, "/"+c.Source+"/?a=1") {
			t.Fatalf("request %q, head %v", req.line, req.header)
		}
	}
	if finals != len(caps) {
		t.Fatalf("%d final responses, want %d", finals, len(caps))
	}

	// Filters: one source, one type, a time range.
	for _, tt := range []struct {
		f    export.Filter
		want int
	}{
		{export.Filter{Sources: map[string]bool{"vtv": true}}, 3},
		{export.Filter{Types: map[string]bool{watcher.ArticleNew: true}}, 2},
		{export.Filter{Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}, 2},
	} {
		buf.Reset()
		if n, err := export.WARC(&buf, s, tt.f, "t"); err != nil || n != tt.want {
			t.Fatalf("filter %+v: %d captures (%v), want %d", tt.f, n, err, tt.want)
		}
		if recs := readWARC(t, buf.Bytes()); len(recs) != 1+4*tt.want {
			t.Fatalf("filter %+v: %d records", tt.f, len(recs))
		}
	}
}

// TestWARCScreenshot: a rendered version's image goes in the WARC file as a resource
// record beside the capture's final response.
func TestWARCScreenshot(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	text := "vtv: 72 pays ont signé la convention."
	id := watcher.SnapshotID(text)
	body := []byte("<html><body><p>" + text + "</p></body></html>")
	sum := sha256.Sum256(body)
	img := []byte("\xff\xd8\xff\xe0 a JPEG, as far as this test cares \xff\xd9")
	c := &watcher.Capture{Time: at, Source: "vtv", URL: "http://127.0.0.1/vtv", Snapshot: id, Event: watcher.ArticleNew,
		Exchanges: []watcher.Exchange{{Time: at, Method: "GET", URL: "http://127.0.0.1/vtv", Proto: "HTTP/1.1", Status: 200,
			Header: http.Header{"Content-Type": {"text/html"}}}},
		SHA256: hex.EncodeToString(sum[:]), Size: len(body), Body: body}
	if err := s.Record(watcher.Record{Source: "vtv", Check: watcher.Check{Time: at, Result: watcher.ResultNew, Snapshot: id},
		State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)},
		Text: text, Capture: c, Screenshot: img}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := export.WARC(&buf, s, export.Filter{}, "t"); err != nil || n != 1 {
		t.Fatalf("WARC: %d captures, %v", n, err)
	}
	recs := readWARC(t, buf.Bytes())
	if len(recs) != 4 {
		t.Fatalf("%d records, want warcinfo, request, response, resource", len(recs))
	}
	shot, res := recs[3], recs[2]
	if shot.typ != gowarc.Resource || shot.uri != "urn:screenshot:http://127.0.0.1/vtv" || shot.concurrent != res.id ||
		!bytes.Equal(shot.payload, img) || shot.contentType != "image/jpeg" {
		t.Fatalf("screenshot record %+v (response %s)", shot, res.id)
	}
}

type warcRecord struct {
	typ                 gowarc.RecordType
	id, concurrent, uri string
	payloadDigest       string
	contentType         string
	line                string // of a request
	date                time.Time
	status              int
	header              http.Header
	payload             []byte
}

// readWARC reads a WARC file with gowarc, strictly, checking that every record is a gzip
// member of its own and that its digests verify.
func readWARC(t *testing.T, data []byte) []warcRecord {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(data))
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	members := 0
	for {
		zr.Multistream(false) // Reset turns it on again
		if _, err := io.Copy(io.Discard, zr); err != nil {
			t.Fatal(err)
		}
		members++
		if err := zr.Reset(br); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	r, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(data), 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []warcRecord
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		if len(rec.Validation) > 0 {
			t.Fatalf("record %d: %v", len(out), rec.Validation)
		}
		wr := rec.WarcRecord
		h := wr.WarcHeader()
		x := warcRecord{typ: wr.Type(), id: h.GetId(gowarc.WarcRecordID), concurrent: h.GetId(gowarc.WarcConcurrentTo),
			uri: h.Get(gowarc.WarcTargetURI), payloadDigest: h.Get(gowarc.WarcPayloadDigest), contentType: h.Get(gowarc.ContentType)}
		x.date, _ = wr.Date()
		if wr.Type() != gowarc.Warcinfo && (h.Get(gowarc.WarcBlockDigest) == "" || x.payloadDigest == "" || x.uri == "") {
			t.Fatalf("record %d lacks a digest or its target: %v", len(out), h)
		}
		switch b := wr.Block().(type) {
		case gowarc.HttpResponseBlock:
			x.status, x.header = b.HttpStatusCode(), *b.HttpHeader()
			p, err := b.PayloadBytes()
			if err != nil {
				t.Fatal(err)
			}
			x.payload, _ = io.ReadAll(p)
		case gowarc.HttpRequestBlock:
			x.header, x.line = *b.HttpHeader(), b.HttpRequestLine()
		default: // a resource: the block is the image
			p, err := b.RawBytes()
			if err != nil {
				t.Fatal(err)
			}
			x.payload, _ = io.ReadAll(p)
		}
		if v, err := wr.ValidateDigest(); err != nil || len(v) > 0 {
			t.Fatalf("record %d (%s): digests: %v %v", len(out), x.uri, err, v)
		}
		wr.Close()
		out = append(out, x)
	}
	if members != len(out) {
		t.Fatalf("%d gzip members for %d records", members, len(out))
	}
	return out
}
