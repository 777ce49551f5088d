package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// virtual serves made-up host names (news.test, other.test) from 127.0.0.1. The fetcher
// exempts loopback hosts from its politeness rules, so testing those rules needs hosts that
// are not loopback by name; TestMain points HTTP_PROXY at this server, which answers for
// them itself. Nothing is resolved and nothing leaves the machine.
var virtual = &virtualHosts{handlers: map[string]http.Handler{}}

type virtualHosts struct {
	mu       sync.Mutex
	handlers map[string]http.Handler
	proxy    *url.URL
}

func (v *virtualHosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	h := v.handlers[r.URL.Host]
	v.mu.Unlock()
	if h == nil {
		http.Error(w, "no such virtual host", http.StatusBadGateway)
		return
	}
	h.ServeHTTP(w, r)
}

// serve makes host answer with h for the rest of the test, and returns its base URL after
// making sure a request for it would go to the proxy and nowhere else.
func (v *virtualHosts) serve(t *testing.T, host string, h http.Handler) string {
	t.Helper()
	base := "http://" + host
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	p, err := http.ProxyFromEnvironment(req)
	if err != nil || p == nil || p.Host != v.proxy.Host {
		t.Fatalf("requests for %s would not go to the test proxy (%v, %v): refusing to fetch", host, p, err)
	}
	v.mu.Lock()
	v.handlers[host] = h
	v.mu.Unlock()
	t.Cleanup(func() {
		v.mu.Lock()
		delete(v.handlers, host)
		v.mu.Unlock()
	})
	return base
}

func TestMain(m *testing.M) {
	srv := httptest.NewServer(virtual)
	virtual.proxy, _ = url.Parse(srv.URL)
	// net/http reads the proxy variables once, on first use: set them before any request.
	// Loopback addresses are never proxied, so the other tests talk to their servers directly.
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		os.Setenv(k, srv.URL)
	}
	for _, k := range []string{"NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "REQUEST_METHOD"} {
		os.Unsetenv(k)
	}
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

func newFetcher(t *testing.T, opt fetch.Options) *fetch.Fetcher {
	t.Helper()
	f, err := fetch.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func get(f *fetch.Fetcher, u string, v watcher.Validators) (*watcher.Page, error) {
	return f.Fetch(context.Background(), watcher.Source{Name: "s", URL: u}, v)
}

// allocated runs f and returns the bytes it allocated on the heap: an upper bound on how
// much the heap can have grown while it ran, whatever the collector did meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// zeros is the payload of the bombs: it compresses about a thousandfold.
var zeros = make([]byte, 64<<10)

// gzipped compresses n bytes of zeros: a bomb of a few kilobytes per megabyte.
func gzipped(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	for ; n > 0; n -= len(zeros) {
		z.Write(zeros[:min(n, len(zeros))])
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// endless writes w until the client goes away, or 4 GiB: an endless body.
func endless(w http.ResponseWriter, r *http.Request) {
	chunk := bytes.Repeat([]byte("<p>all work and no play makes Jack a dull boy</p>\n"), 1<<10)
	for n := 0; n < 4<<30; n += len(chunk) {
		if _, err := w.Write(chunk); err != nil || r.Context().Err() != nil {
			return
		}
	}
}

// endlessGzip streams gzip-compressed zeros that expand to 4 GiB, until the client goes away.
func endlessGzip(w http.ResponseWriter, r *http.Request) {
	z := gzip.NewWriter(w)
	for n := 0; n < 4<<30; n += len(zeros) {
		if _, err := z.Write(zeros); err != nil || r.Context().Err() != nil {
			return
		}
	}
	z.Close()
}

func TestBodyCap(t *testing.T) {
	const maxBody = 1 << 20
	bomb := gzipped(t, 128<<20) // 128 MiB in about 128 KB
	t.Logf("gzip bomb: %d bytes expanding to %d MiB", len(bomb), 128)
	serveBomb := func(encoding, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if encoding != "" {
				w.Header().Set("Content-Encoding", encoding)
			}
			w.Header().Set("Content-Type", contentType)
			w.Write(bomb)
		}
	}
	tests := []struct {
		name string
		path string
		h    http.HandlerFunc
		// raw: the body is not declared compressed, so it arrives as it was sent, under
		// the cap (the extractor then says it is no HTML page).
		raw bool
	}{
		{"endless body", "/article", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			endless(w, r)
		}, false},
		{"endless body, no Content-Length, HTTP/1.0 style", "/article", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			endless(w, r)
		}, false},
		{"gzip bomb, Content-Encoding gzip", "/article", serveBomb("gzip", "text/html"), false},
		{"gzip bomb, Content-Encoding x-gzip", "/article", serveBomb("x-gzip", "text/html"), false},
		{"gzip bomb, Content-Encoding GZIP", "/article", serveBomb("GZIP", "text/html"), false},
		{"gzip bomb, Content-Type application/gzip", "/article", serveBomb("", "application/gzip"), true},
		{"gzip bomb at a .xml.gz path", "/sitemap.xml.gz", serveBomb("", "application/octet-stream"), true},
		{"gzip bomb at a .xml.gz path, Content-Encoding x-gzip", "/sitemap.xml.gz", serveBomb("x-gzip", "application/xml"), false},
		{"endless gzip stream", "/article", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "text/html")
			endlessGzip(w, r)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			f := newFetcher(t, fetch.Options{MaxBody: maxBody, Timeout: 20 * time.Second})
			var (
				p   *watcher.Page
				err error
			)
			// The cap bounds what is held: the body itself, its growth while read, and the
			// decompressor's window; nothing near the size of the payload.
			start := time.Now()
			alloc := allocated(func() { p, err = get(f, srv.URL+tt.path, watcher.Validators{}) })
			t.Logf("%s: %s, %.1f MiB allocated", tt.name, time.Since(start).Round(time.Millisecond), float64(alloc)/(1<<20))
			if alloc > 64<<20 {
				t.Fatalf("%.1f MiB allocated for a %d-byte cap", float64(alloc)/(1<<20), maxBody)
			}
			if tt.raw {
				if err != nil || !bytes.Equal(p.Body, bomb) {
					t.Fatalf("err = %v; want the %d bytes as sent", err, len(bomb))
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; body of %d bytes", len(p.Body))
			}
			if want := fmt.Sprintf("body too large: more than %d bytes", maxBody); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not say %q", err, want)
			}
		})
	}
}

// TestBodyAtCap: a body of exactly the cap is a page, one byte more is an error.
func TestBodyAtCap(t *testing.T) {
	const maxBody = 4096
	for _, n := range []int{maxBody, maxBody + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write(bytes.Repeat([]byte("x"), n))
			}))
			defer srv.Close()
			p, err := get(newFetcher(t, fetch.Options{MaxBody: maxBody}), srv.URL, watcher.Validators{})
			if n <= maxBody && (err != nil || len(p.Body) != n) {
				t.Fatalf("body of %d bytes at a cap of %d: %v", n, maxBody, err)
			}
			if n > maxBody && (err == nil || !strings.Contains(err.Error(), "body too large")) {
				t.Fatalf("body of %d bytes at a cap of %d: err = %v", n, maxBody, err)
			}
		})
	}
}

// TestGzipDecoded: a well-behaved compressed page arrives decompressed, whichever name its
// encoding goes by; an empty body labelled gzip (a 304) is empty.
func TestGzipDecoded(t *testing.T) {
	page := strings.Repeat("<p>Công ước Hà Nội</p>\n", 1000)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(page))
	zw.Close()
	tests := []struct {
		name, encoding string
		status         int
		body, want     string
	}{
		{"gzip", "gzip", 200, z.String(), page},
		{"x-gzip", "x-gzip", 200, z.String(), page},
		{"X-Gzip", " X-Gzip ", 200, z.String(), page},
		{"identity", "", 200, page, page},
		{"304 labelled gzip", "gzip", 304, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			p, err := get(newFetcher(t, fetch.Options{}), srv.URL, watcher.Validators{ETag: `"x"`})
			if err != nil || p.Status != tt.status || string(p.Body) != tt.want {
				t.Fatalf("err = %v, status %d, body %d bytes, want %d", err, p.Status, len(p.Body), len(tt.want))
			}
			if tt.status == http.StatusOK && p.ContentType != "text/html; charset=utf-8" {
				t.Fatalf("content type %q", p.ContentType)
			}
		})
	}
	t.Run("corrupt gzip is an error", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "x-gzip")
			fmt.Fprint(w, "<p>not compressed at all</p>")
		}))
		defer srv.Close()
		if _, err := get(newFetcher(t, fetch.Options{}), srv.URL, watcher.Validators{}); err == nil || !strings.Contains(err.Error(), "gzip") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTimeouts(t *testing.T) {
	const timeout = time.Second
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"one byte a second", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusOK)
			for range 60 {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}},
		{"no headers", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(60 * time.Second):
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			defer srv.CloseClientConnections()
			f := newFetcher(t, fetch.Options{Timeout: timeout})
			start := time.Now()
			_, err := get(f, srv.URL, watcher.Validators{})
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), "timed out after 1s") {
				t.Fatalf("err = %v", err)
			}
			if took > 3*timeout {
				t.Fatalf("took %s for a %s timeout", took, timeout)
			}
		})
	}
}

// TestCanceled: a check stopped by shutdown says so, promptly, rather than timing out.
func TestCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	defer srv.CloseClientConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newFetcher(t, fetch.Options{Timeout: 30 * time.Second}).Fetch(ctx, watcher.Source{URL: srv.URL}, watcher.Validators{})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestRedirects(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/b", http.StatusFound) })
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/a", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/self", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/self", http.StatusFound) })
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.URL.Query().Get("u"))
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/hop/"), &n)
		if n > 0 {
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
			return
		}
		hits.Add(1)
		fmt.Fprint(w, "<p>arrived</p>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := newFetcher(t, fetch.Options{MaxRedirects: 5})

	refused := []struct {
		name, path, want string
	}{
		{"loop", "/loop/a", "too many redirects (more than 5)"},
		{"to itself", "/self", "too many redirects (more than 5)"},
		{"one hop too many", "/hop/6", "too many redirects (more than 5)"},
		{"ftp", "/to?u=" + url.QueryEscape("ftp://127.0.0.1/pub/article.html"), `redirect to unsupported scheme "ftp"`},
		{"file", "/to?u=" + url.QueryEscape("file:///etc/passwd"), `redirect to unsupported scheme "file"`},
		{"javascript", "/to?u=" + url.QueryEscape("javascript:alert(1)"), `redirect to unsupported scheme "javascript"`},
		{"data", "/to?u=" + url.QueryEscape("data:text/html,<p>hi</p>"), `redirect to unsupported scheme "data"`},
		{"gopher", "/to?u=" + url.QueryEscape("gopher://127.0.0.1:70/"), `redirect to unsupported scheme "gopher"`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p, err := get(f, srv.URL+tt.path, watcher.Validators{})
			if err == nil {
				t.Fatalf("followed to %s (HTTP %d)", p.URL, p.Status)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
	t.Run("a negative limit follows none", func(t *testing.T) {
		none := newFetcher(t, fetch.Options{MaxRedirects: -1})
		if _, err := get(none, srv.URL+"/hop/1", watcher.Validators{}); err == nil || !strings.Contains(err.Error(), "not followed") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("five hops are fine, and the page says where it ended", func(t *testing.T) {
		p, err := get(f, srv.URL+"/hop/5", watcher.Validators{})
		if err != nil || p.Status != http.StatusOK || p.URL != srv.URL+"/hop/0" || hits.Load() != 1 {
			t.Fatalf("err = %v, page %+v, hits %d", err, p, hits.Load())
		}
		// The chain is recorded, hop by hop: the pipeline tells a move by it.
		var got, want []string
		for _, x := range p.Exchanges {
			got = append(got, fmt.Sprintf("%d %s", x.Status, x.URL))
		}
		for n := 5; n >= 0; n-- {
			want = append(want, fmt.Sprintf("%d %s/hop/%d", map[bool]int{true: 301, false: 200}[n > 0], srv.URL, n))
		}
		if !slices.Equal(got, want) {
			t.Errorf("exchanges %v, want %v", got, want)
		}
	})
}

func TestConditional(t *testing.T) {
	const (
		etag     = `"v1-4f2a"`
		modified = "Sat, 25 Oct 2025 09:13:00 GMT"
	)
	var got struct {
		sync.Mutex
		inm, ims []string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Lock()
		got.inm = append(got.inm, r.Header.Get("If-None-Match"))
		got.ims = append(got.ims, r.Header.Get("If-Modified-Since"))
		got.Unlock()
		if r.URL.Path == "/lm-only" {
			if r.Header.Get("If-Modified-Since") == modified {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Last-Modified", modified)
			fmt.Fprint(w, "<p>article</p>")
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "<p>article</p>")
	}))
	defer srv.Close()
	f := newFetcher(t, fetch.Options{})

	tests := []struct {
		name, path       string
		v                watcher.Validators
		status           int
		etag, modified   string
		sentINM, sentIMS string
	}{
		{"first fetch keeps both validators", "/", watcher.Validators{}, 200, etag, modified, "", ""},
		{"ETag sent back: 304", "/", watcher.Validators{ETag: etag, LastModified: modified}, 304, etag, modified, etag, modified},
		{"stale ETag: the page", "/", watcher.Validators{ETag: `"v0"`}, 200, etag, modified, `"v0"`, ""},
		{"Last-Modified only: kept", "/lm-only", watcher.Validators{}, 200, "", modified, "", ""},
		{"Last-Modified sent back: 304", "/lm-only", watcher.Validators{LastModified: modified}, 304, "", "", "", modified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := get(f, srv.URL+tt.path, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			got.Lock()
			inm, ims := got.inm[len(got.inm)-1], got.ims[len(got.ims)-1]
			got.Unlock()
			if inm != tt.sentINM || ims != tt.sentIMS {
				t.Errorf("sent If-None-Match %q, If-Modified-Since %q; want %q, %q", inm, ims, tt.sentINM, tt.sentIMS)
			}
			if p.Status != tt.status || p.ETag != tt.etag || p.LastModified != tt.modified {
				t.Errorf("page: status %d, ETag %q, Last-Modified %q; want %d, %q, %q",
					p.Status, p.ETag, p.LastModified, tt.status, tt.etag, tt.modified)
			}
			if tt.status == http.StatusNotModified && len(p.Body) != 0 {
				t.Errorf("a 304 with a %d-byte body", len(p.Body))
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		header   func() string
		min, max time.Duration
	}{
		{"absent", func() string { return "" }, 0, 0},
		{"seconds", func() string { return "120" }, 120 * time.Second, 120 * time.Second},
		{"seconds with spaces", func() string { return " 30 " }, 30 * time.Second, 30 * time.Second},
		// An HTTP date has whole seconds: the wait is within a second or two of 90 s.
		{"HTTP date", func() string { return time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat) }, 87 * time.Second, 91 * time.Second},
		{"RFC 850 date", func() string { return time.Now().Add(time.Hour).UTC().Format("Monday, 02-Jan-06 15:04:05 GMT") }, 59 * time.Minute, time.Hour + time.Second},
		{"date in the past", func() string { return "Wed, 21 Oct 2015 07:28:00 GMT" }, 0, 0},
		{"negative", func() string { return "-5" }, 0, 0},
		{"zero", func() string { return "0" }, 0, 0},
		{"garbage", func() string { return "soon" }, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if h != "" {
					w.Header().Set("Retry-After", h)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			p, err := get(newFetcher(t, fetch.Options{}), srv.URL, watcher.Validators{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != http.StatusServiceUnavailable || p.RetryAfter < tt.min || p.RetryAfter > tt.max {
				t.Fatalf("Retry-After %q: status %d, wait %s; want %s..%s", h, p.Status, p.RetryAfter, tt.min, tt.max)
			}
		})
	}
}

// concurrency counts the requests a server is answering at once.
type concurrency struct {
	mu       sync.Mutex
	now, max int
	hold     time.Duration
}

func (c *concurrency) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.now++
	c.max = max(c.max, c.now)
	c.mu.Unlock()
	time.Sleep(c.hold)
	c.mu.Lock()
	c.now--
	c.mu.Unlock()
	fmt.Fprint(w, "<p>ok</p>")
}

func (c *concurrency) peak() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.max
}

// fetchAll fetches each URL n times, all at once, and fails the test on any error.
func fetchAll(t *testing.T, f *fetch.Fetcher, n int, urls ...string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n*len(urls))
	for i := range n {
		for _, u := range urls {
			wg.Go(func() {
				_, err := get(f, fmt.Sprintf("%s/a%d", u, i), watcher.Validators{})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPerHostParallelism(t *testing.T) {
	t.Run("a host gets PerHost requests at a time, each host its own", func(t *testing.T) {
		news, other := &concurrency{hold: 150 * time.Millisecond}, &concurrency{hold: 150 * time.Millisecond}
		f := newFetcher(t, fetch.Options{PerHost: 2})
		fetchAll(t, f, 8, virtual.serve(t, "news.test", news), virtual.serve(t, "other.test", other))
		if news.peak() != 2 || other.peak() != 2 {
			t.Fatalf("peak parallel requests: news.test %d, other.test %d; want 2 each", news.peak(), other.peak())
		}
	})
	t.Run("a loopback host gets LoopbackParallelism", func(t *testing.T) {
		c := &concurrency{hold: 300 * time.Millisecond}
		srv := httptest.NewServer(c)
		defer srv.Close()
		fetchAll(t, newFetcher(t, fetch.Options{PerHost: 2}), 2*fetch.LoopbackParallelism, srv.URL)
		if p := c.peak(); p <= 2 || p > fetch.LoopbackParallelism {
			t.Fatalf("peak parallel requests to 127.0.0.1: %d; want 3..%d", p, fetch.LoopbackParallelism)
		}
	})
}

// arrivals records when requests arrive.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.at = append(a.at, time.Now())
	a.mu.Unlock()
	fmt.Fprint(w, "<p>ok</p>")
}

// minGap is the shortest time between two arrivals.
func (a *arrivals) minGap() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	gap := time.Duration(1<<63 - 1)
	for i := 1; i < len(a.at); i++ {
		gap = min(gap, a.at[i].Sub(a.at[i-1]))
	}
	return gap
}

func TestDelay(t *testing.T) {
	const delay = 400 * time.Millisecond
	t.Run("requests to a host are Delay apart", func(t *testing.T) {
		a := &arrivals{}
		fetchAll(t, newFetcher(t, fetch.Options{PerHost: 1, Delay: delay}), 3, virtual.serve(t, "news.test", a))
		if g := a.minGap(); g < delay {
			t.Fatalf("requests %s apart, want %s", g, delay)
		}
	})
	t.Run("loopback hosts are exempt", func(t *testing.T) {
		a := &arrivals{}
		srv := httptest.NewServer(a)
		defer srv.Close()
		f := newFetcher(t, fetch.Options{PerHost: 1, Delay: 10 * time.Second})
		start := time.Now()
		for i := range 5 {
			if _, err := get(f, fmt.Sprintf("%s/a%d", srv.URL, i), watcher.Validators{}); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("5 fetches from 127.0.0.1 took %s: the delay was applied", took)
		}
	})
}

// TestRobotsCap: colly reads robots.txt whole by itself; an endless or explosive one must
// cost no more than a page.
func TestRobotsCap(t *testing.T) {
	bomb := gzipped(t, 128<<20)
	tests := []struct {
		name  string
		robot http.HandlerFunc
	}{
		{"endless robots.txt", endless},
		{"gzip bomb robots.txt", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "x-gzip")
			w.Write(bomb)
		}},
		{"endless gzip robots.txt", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			endlessGzip(w, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/robots.txt", tt.robot)
			mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>article</p>") })
			srv := httptest.NewServer(mux)
			defer srv.Close()
			f := newFetcher(t, fetch.Options{Robots: true, MaxBody: 10 << 20, Timeout: 20 * time.Second})
			var err error
			start := time.Now()
			alloc := allocated(func() { _, err = get(f, srv.URL+"/article", watcher.Validators{}) })
			t.Logf("%s: %s, %.1f MiB allocated (err %v)", tt.name, time.Since(start).Round(time.Millisecond), float64(alloc)/(1<<20), err)
			if alloc > 64<<20 {
				t.Fatalf("%.1f MiB allocated for a robots.txt", float64(alloc)/(1<<20))
			}
		})
	}
}

// robots.txt is honoured by default and per source: a source may be fetched whatever it
// says, or held to it when the default ignores it.
func TestRobots(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body><p>Article</p></body></html>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	yes, no := true, false
	tests := []struct {
		robots  bool  // the fetcher's default
		source  *bool // the source's override
		path    string
		refused bool
	}{
		{true, nil, "/public/a", false},
		{true, nil, "/private/a", true},
		{true, &no, "/private/a", false},
		{false, nil, "/private/a", false},
		{false, &yes, "/private/a", true},
	}
	for _, tt := range tests {
		f := newFetcher(t, fetch.Options{Robots: tt.robots})
		src := watcher.Source{Name: "a", URL: srv.URL + tt.path, Robots: tt.source}
		p, err := f.Fetch(context.Background(), src, watcher.Validators{})
		if tt.refused {
			if err == nil || !strings.Contains(err.Error(), "robots.txt") {
				t.Errorf("default %v, source %v, %s: %v; want refused by robots.txt", tt.robots, tt.source, tt.path, err)
			}
			continue
		}
		if err != nil || p.Status != 200 {
			t.Errorf("default %v, source %v, %s: %v", tt.robots, tt.source, tt.path, err)
		}
	}
}

// semGate is a Gate of one process: a slot per host, its asks recorded.
type semGate struct {
	mu       sync.Mutex
	slots    map[string]chan struct{}
	asked    []string
	released atomic.Int32
}

func (g *semGate) Host(ctx context.Context, host string, perHost int, delay time.Duration) (func(), error) {
	g.mu.Lock()
	g.asked = append(g.asked, fmt.Sprintf("%s %d %s", host, perHost, delay))
	if g.slots[host] == nil {
		g.slots[host] = make(chan struct{}, 1)
	}
	slot := g.slots[host]
	g.mu.Unlock()
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return func() { <-slot; g.released.Add(1) }, nil
}

// TestGate: with a Gate, every request to a host waits for the gate, which gets the host
// and its limits (the configured ones; a loopback host's own) and bounds the requests in
// flight, on a loopback host too;
// the fetcher's own delay is off (the gate spaces the requests), and every slot is freed
// after the answer.
func TestGate(t *testing.T) {
	var inflight, peak atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, "<p>ok</p>")
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for base, limits := range map[string]string{srv.URL: fmt.Sprintf(" %d 0s", fetch.LoopbackParallelism), virtual.serve(t, "gate.test", h): " 3 2s"} {
		t.Run(base, func(t *testing.T) {
			peak.Store(0)
			g := &semGate{slots: map[string]chan struct{}{}}
			f := newFetcher(t, fetch.Options{PerHost: 3, Delay: 2 * time.Second, Gate: g})
			var wg sync.WaitGroup
			start := time.Now()
			for range 4 {
				wg.Go(func() {
					if _, err := f.Get(context.Background(), fetch.Request{URL: base + "/a"}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			want := strings.TrimPrefix(base, "http://") + limits
			if len(g.asked) != 4 || g.asked[0] != want || g.released.Load() != 4 {
				t.Fatalf("gate asked %q, %d released; want 4 asks of %q, all released", g.asked, g.released.Load(), want)
			}
			if peak.Load() != 1 {
				t.Fatalf("%d requests in flight at once, want the gate's 1", peak.Load())
			}
			// Three slots of the fetcher's own would have held the fourth request for the 2 s delay.
			if took := time.Since(start); took > time.Second {
				t.Fatalf("4 requests took %s: the fetcher's own delay was added to the gate's", took)
			}
		})
	}
}
