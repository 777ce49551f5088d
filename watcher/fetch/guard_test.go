package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// names is a resolver that knows a few made-up names and nothing else.
type names map[string][]netip.Addr

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := n[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// dialLog records every connection attempt, and makes only those to loopback addresses:
// whatever the fetcher decides, no packet leaves the machine.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	host, _, _ := net.SplitHostPort(addr)
	if a, err := netip.ParseAddr(host); err != nil || !a.IsLoopback() {
		return nil, fmt.Errorf("test dialer: %s is not a loopback address, not dialed", addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// beyond returns the attempts to addresses other than loopback ones.
func (d *dialLog) beyond() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, a := range d.addrs {
		host, _, _ := net.SplitHostPort(a)
		if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
			out = append(out, a)
		}
	}
	return out
}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

// noProxy keeps these tests' requests off the virtual-host proxy of TestMain.
func noProxy(*http.Request) (*url.URL, error) { return nil, nil }

// Fetches cannot be steered inward: a page (or a name) that leads to a private, link-local,
// loopback or reserved address is refused before any connection is made to it, unless
// the source's own URL is at that address or allow_private says so.
func TestInwardRefused(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>article</p>") })
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	resolver := names{
		"metadata.test": addrs("169.254.169.254"),
		"intranet.test": addrs("10.0.0.1"),
		"mixed.test":    addrs("10.0.0.1", "fd00::1"),
		"rebound.test":  addrs("127.0.0.1"), // a public-looking name that resolves to this machine
	}
	to := func(u string) string { return srv.URL + "/to?u=" + url.QueryEscape(u) }
	refused := []struct {
		name, url, want string
	}{
		{"a name that resolves to the metadata service", "http://metadata.test/latest/meta-data/", "169.254.169.254, a link-local address"},
		{"a name that resolves to a private address", "http://intranet.test/admin", "10.0.0.1, a private address"},
		{"every address of a name is checked", "http://mixed.test/", "fd00::1, a private address"},
		{"a name that resolves to loopback", fmt.Sprintf("http://rebound.test:%d/article", port), "127.0.0.1, a loopback address"},
		{"a redirect to the metadata service", to("http://169.254.169.254/latest/meta-data/"), "169.254.169.254 is a link-local address"},
		{"a redirect to a private address", to("http://10.0.0.1/"), "10.0.0.1 is a private address"},
		{"a redirect to a name that resolves inward", to("http://intranet.test/"), "10.0.0.1, a private address"},
		{"a redirect to a reserved address", to("http://[2001:db8::1]/"), "2001:db8::1 is a reserved address"},
		{"a redirect to IPv4 in IPv6 form", to("http://[::ffff:a9fe:a9fe]/"), "is a link-local address"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			d := &dialLog{}
			f := newFetcher(t, fetch.Options{Resolver: resolver, Dial: d.dial, Proxy: noProxy})
			p, err := f.Fetch(context.Background(), watcher.Source{Name: "s", URL: tt.url}, watcher.Validators{})
			if err == nil {
				t.Fatalf("fetched %s (HTTP %d)", p.URL, p.Status)
			}
			if !errors.Is(err, fetch.ErrInward) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want ErrInward saying %q", err, tt.want)
			}
			if b := d.beyond(); len(b) > 0 {
				t.Errorf("connections attempted to %v", b)
			}
			if strings.HasPrefix(tt.url, srv.URL) && len(d.addrs) != 1 {
				t.Errorf("dialed %v, want the source's own server only", d.addrs)
			}
		})
	}

	t.Run("the source's own address, and redirects on it, are fetched", func(t *testing.T) {
		d := &dialLog{}
		f := newFetcher(t, fetch.Options{Resolver: resolver, Dial: d.dial, Proxy: noProxy})
		p, err := f.Fetch(context.Background(), watcher.Source{Name: "s", URL: to(srv.URL + "/article")}, watcher.Validators{})
		if err != nil || p.Status != http.StatusOK || p.URL != srv.URL+"/article" {
			t.Fatalf("err %v, page %+v", err, p)
		}
	})
	t.Run("allow_private lets a name resolve inward", func(t *testing.T) {
		d := &dialLog{}
		f := newFetcher(t, fetch.Options{Resolver: resolver, Dial: d.dial, Proxy: noProxy, AllowPrivate: true})
		p, err := f.Fetch(context.Background(), watcher.Source{Name: "s", URL: fmt.Sprintf("http://rebound.test:%d/article", port)}, watcher.Validators{})
		if err != nil || p.Status != http.StatusOK {
			t.Fatalf("err %v, page %+v", err, p)
		}
		if len(d.addrs) != 1 || d.addrs[0] != fmt.Sprintf("127.0.0.1:%d", port) {
			t.Errorf("dialed %v", d.addrs)
		}
	})
	t.Run("through a proxy, an address written in a redirect is checked", func(t *testing.T) {
		// TestMain's proxy (on 127.0.0.1) would take the request for 10.0.0.1: it must
		// not be asked.
		f := newFetcher(t, fetch.Options{})
		if _, err := get(f, to("http://10.0.0.1/"), watcher.Validators{}); !errors.Is(err, fetch.ErrInward) {
			t.Fatalf("err %v, want ErrInward", err)
		}
	})
}
