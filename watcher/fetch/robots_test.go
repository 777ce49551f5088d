package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// site is a host whose robots.txt disallows /private/; it counts the requests per path
// and the most it had in flight at once, robots.txt included.
type site struct {
	mu       sync.Mutex
	hits     map[string]int
	now, max int
	hold     time.Duration
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.hits == nil {
		s.hits = map[string]int{}
	}
	s.hits[r.URL.Path]++
	s.now++
	s.max = max(s.max, s.now)
	s.mu.Unlock()
	time.Sleep(s.hold)
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	if r.URL.Path == "/robots.txt" {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		return
	}
	fmt.Fprint(w, "<html><body><p>Article</p></body></html>")
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// Six sources on one host, fetched at once: robots.txt is asked for once, through the
// host's limit like any page (colly's own support asked six times, outside the limit).
func TestRobotsOncePerHost(t *testing.T) {
	s := &site{hold: 50 * time.Millisecond}
	base := virtual.serve(t, "news.test", s)
	f := newFetcher(t, fetch.Options{PerHost: 1, Robots: true})
	fetchAll(t, f, 6, base)
	if n := s.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times for 6 pages, want 1", n)
	}
	if p := s.peak(); p != 1 {
		t.Errorf("%d requests at once with per_host 1, robots.txt included; want 1", p)
	}
	if _, err := get(f, base+"/private/a", watcher.Validators{}); !errors.Is(err, fetch.ErrRobots) {
		t.Errorf("a disallowed page: %v, want ErrRobots", err)
	}
	if n := s.count("/private/a"); n != 0 {
		t.Errorf("a disallowed page was fetched %d times", n)
	}
}

// memCache is a RobotsCache in memory, as the store is one on disk.
type memCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *memCache) Robots(origin string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[origin], nil
}

func (c *memCache) PutRobots(origin string, entry []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[origin] = entry
	return nil
}

// A robots.txt answer is kept in the cache until it expires: a second process (the next
// `check` run from cron) asks the cache, not the site, and one a day later asks the site.
func TestRobotsCache(t *testing.T) {
	s := &site{}
	base := virtual.serve(t, "news.test", s)
	cache := &memCache{m: map[string][]byte{}}
	now := time.Now()
	run := func(at time.Time) {
		t.Helper()
		f := newFetcher(t, fetch.Options{Robots: true, RobotsCache: cache, Now: func() time.Time { return at }})
		if _, err := get(f, base+"/a", watcher.Validators{}); err != nil {
			t.Fatal(err)
		}
		if _, err := get(f, base+"/private/b", watcher.Validators{}); !errors.Is(err, fetch.ErrRobots) {
			t.Fatalf("a disallowed page: %v, want ErrRobots", err)
		}
	}
	run(now)
	if n := s.count("/robots.txt"); n != 1 || len(cache.m) != 1 {
		t.Fatalf("first process: robots.txt fetched %d times, %d entries cached; want 1 and 1", n, len(cache.m))
	}
	run(now.Add(time.Hour))
	if n := s.count("/robots.txt"); n != 1 {
		t.Errorf("second process an hour later: robots.txt fetched again (%d in all)", n)
	}
	run(now.Add(25 * time.Hour))
	if n := s.count("/robots.txt"); n != 2 {
		t.Errorf("a day later: robots.txt fetched %d times in all, want 2", n)
	}
	if n := s.count("/private/b"); n != 0 {
		t.Errorf("the disallowed page was fetched %d times", n)
	}
}

// Within a process too, robots.txt is read again once it expires, and not before.
func TestRobotsExpiry(t *testing.T) {
	s := &site{}
	base := virtual.serve(t, "news.test", s)
	var mu sync.Mutex
	now := time.Now()
	f := newFetcher(t, fetch.Options{Robots: true, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	for i, step := range []time.Duration{0, time.Hour, 22 * time.Hour, 2 * time.Hour} {
		mu.Lock()
		now = now.Add(step)
		mu.Unlock()
		if _, err := get(f, fmt.Sprintf("%s/a%d", base, i), watcher.Validators{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.count("/robots.txt"); n != 2 {
		t.Errorf("robots.txt fetched %d times over 25 hours, want 2", n)
	}
}

// A fetch cancelled while robots.txt is read leaves nothing behind: the next one reads it.
func TestRobotsCancelled(t *testing.T) {
	s := &site{hold: 300 * time.Millisecond}
	base := virtual.serve(t, "news.test", s)
	f := newFetcher(t, fetch.Options{Robots: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.Fetch(ctx, watcher.Source{Name: "a", URL: base + "/a"}, watcher.Validators{}); err == nil {
		t.Fatal("a cancelled fetch succeeded")
	}
	if _, err := get(f, base+"/a", watcher.Validators{}); err != nil {
		t.Fatalf("the fetch after a cancelled one: %v", err)
	}
}
