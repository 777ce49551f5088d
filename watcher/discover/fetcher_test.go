package discover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// resolver knows a few made-up names and nothing else.
type resolver map[string]string

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// loopbackOnly dials loopback addresses and records the others without dialing them.
type loopbackOnly struct {
	mu      sync.Mutex
	refused []string
}

func (d *loopbackOnly) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	if a, err := netip.ParseAddr(host); err != nil || !a.IsLoopback() {
		d.mu.Lock()
		d.refused = append(d.refused, addr)
		d.mu.Unlock()
		return nil, fmt.Errorf("test dialer: %s not dialed", addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func noProxy(*http.Request) (*url.URL, error) { return nil, nil }

// busySite counts requests per path and the most in flight at once.
type busySite struct {
	mu       sync.Mutex
	hits     map[string]int
	now, max int
	base     string
}

func (s *busySite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.now++
	s.max = max(s.max, s.now)
	s.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	switch r.URL.Path {
	case "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case "/rss.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>`)
		for i := range 4 {
			fmt.Fprintf(w, `<item><title>Công ước Hà Nội %d</title><link>%s/a%d.html</link></item>`, i, s.base, i)
		}
		fmt.Fprint(w, `</channel></rss>`)
	default:
		fmt.Fprint(w, `<html lang="vi"><head><title>Công ước Hà Nội</title></head><body><p>Công ước Hà Nội</p></body></html>`)
	}
}

// Checks and discovery of one site go through one fetcher: one per-host budget, and one
// robots.txt reading for both.
func TestSharedFetcher(t *testing.T) {
	s := &busySite{hits: map[string]int{}}
	srv := serveLocal(t, s)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	// A name, not 127.0.0.1: loopback hosts are exempt from the per-host limits.
	s.base = fmt.Sprintf("http://news.test:%d", port)
	d := &loopbackOnly{}
	f := newFetcher(t, fetch.Options{PerHost: 1, Robots: true, AllowPrivate: true,
		Resolver: resolver{"news.test": "127.0.0.1"}, Dial: d.dial, Proxy: noProxy})
	disc, err := New(Options{Fetcher: pages{f}}, NewTopic([]string{"Công ước Hà Nội"}))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Go(func() {
		found, err := disc.Run(context.Background(), Job{Name: "news", URL: s.base + "/rss.xml", Kind: KindFeed})
		if err == nil && len(found) != 4 {
			err = fmt.Errorf("found %d articles, want 4", len(found))
		}
		errs <- err
	})
	for i := range 4 {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), watcher.Source{Name: "a", URL: fmt.Sprintf("%s/a%d.html", s.base, i)}, watcher.Validators{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.hits["/robots.txt"]; n != 1 {
		t.Errorf("robots.txt fetched %d times by the checks and the job, want 1", n)
	}
	if s.max != 1 {
		t.Errorf("%d requests at once to a host with per_host 1", s.max)
	}
	if len(d.refused) > 0 {
		t.Errorf("connections attempted to %v", d.refused)
	}
}

// Discovery's fetches follow the fetcher's address rule: a job on a name that resolves
// inward is refused before any connection.
func TestDiscoveryInward(t *testing.T) {
	d := &loopbackOnly{}
	f := newFetcher(t, fetch.Options{Resolver: resolver{"intranet.test": "10.0.0.1"}, Dial: d.dial, Proxy: noProxy})
	disc, err := New(Options{Fetcher: pages{f}}, NewTopic([]string{"Hanoi Convention"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = disc.Run(context.Background(), Job{Name: "in", URL: "http://intranet.test/rss.xml", Kind: KindFeed})
	if !errors.Is(err, fetch.ErrInward) || !strings.Contains(err.Error(), "10.0.0.1") {
		t.Errorf("err %v, want ErrInward naming 10.0.0.1", err)
	}
	if len(d.refused) > 0 {
		t.Errorf("connections attempted to %v", d.refused)
	}
}
