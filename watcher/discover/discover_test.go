package discover

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// keywordsFromSeeds reads the real seeds/keywords.yaml, so the tests check the shipped
// keywords too.
func keywordsFromSeeds(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../seeds/keywords.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeywords(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type sites struct {
	site  *fixtureSite
	other *fixtureSite
}

// newSites starts the fixture site and another host it links to.
func newSites(t *testing.T) sites {
	other := newFixtureSite(t, "http://127.0.0.1:1")
	return sites{site: newFixtureSite(t, other.URL), other: other}
}

func newDiscoverer(t *testing.T) *Discoverer {
	t.Helper()
	d, err := New(Options{Fetcher: pages{newFetcher(t, fetch.Options{UserAgent: "hanoiwatch-test/1.0", Timeout: 5 * time.Second})}},
		NewTopic(keywordsFromSeeds(t)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newFetcher(t *testing.T, opt fetch.Options) *fetch.Fetcher {
	t.Helper()
	f, err := fetch.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pages is a fetch.Fetcher as discovery asks for it (cmd wires the same).
type pages struct{ *fetch.Fetcher }

func (p pages) Get(ctx context.Context, rawURL, accept string, redirect func(*url.URL) error) (*watcher.Page, error) {
	return p.Fetcher.Get(ctx, fetch.Request{URL: rawURL, Accept: accept, Redirect: redirect})
}

func urls(fs []Found) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.URL)
	}
	return out
}

// checkNever fails if a page that must not be fetched was.
func (s sites) checkNever(t *testing.T) {
	t.Helper()
	if n := s.other.requests(); n != 0 {
		t.Errorf("the other host got %d requests: %v", n, s.other.hits)
	}
	for _, p := range []string{"/private/cong-uoc-ha-noi.html", "/amp/vi/cong-uoc-ha-noi-72.html"} {
		if n := s.site.count(p); n != 0 {
			t.Errorf("%s fetched %d times", p, n)
		}
	}
}

func TestRunRSS(t *testing.T) {
	s := newSites(t)
	d := newDiscoverer(t)
	job := Job{Name: "rss", URL: s.site.URL + "/rss.xml", Kind: KindFeed}
	got, err := d.Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	b := s.site.URL
	ict := time.FixedZone("+07", 7*3600)
	want := []Found{
		{URL: b + "/vi/cong-uoc-ha-noi-72.html", Title: "Công ước Hà Nội: 72 quốc gia đã ký",
			Published: time.Date(2025, 10, 25, 16, 13, 28, 0, ict).UTC(), Keyword: "Công ước Hà Nội"},
		{URL: b + "/vi/cong-uoc-khong-dau.html", Title: "Cong uoc Ha Noi duoc mo ky",
			Published: time.Date(2025, 10, 5, 9, 0, 0, 0, ict).UTC(), Keyword: "Công ước Hà Nội"},
		{URL: b + "/vi/nfd.html", Title: "Công ước Hà Nội có hiệu lực khi nào?",
			Published: time.Date(2025, 10, 7, 10, 48, 0, 0, ict).UTC(), Keyword: "Công ước Hà Nội"},
		{URL: b + "/vi/thu-tuong.html", Title: "Thủ tướng: An ninh mạng có tính toàn cầu",
			Published: time.Date(2025, 10, 25, 16, 13, 0, 0, ict).UTC(), Keyword: "Công ước của Liên hợp quốc về chống tội phạm mạng"},
	}
	for i := range want {
		want[i].Job, want[i].FoundAt, want[i].Lang = "rss", job.URL, "vi"
	}
	if len(got) != len(want) {
		t.Fatalf("got %d articles %v, want %v", len(got), urls(got), urls(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("article %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	s.checkNever(t)

	// A second run finds the same, and asks only for the feed: the articles are remembered.
	s.site.reset()
	again, err := d.Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Errorf("second run:\n got %v\nwant %v", again, got)
	}
	if n := s.site.requests(); n != 1 {
		t.Errorf("second run made %d requests, want 1 (the feed): %v", n, s.site.hits)
	}
}

func TestRunAtom(t *testing.T) {
	s := newSites(t)
	got, err := newDiscoverer(t).Run(context.Background(), Job{Name: "atom", URL: s.site.URL + "/atom.xml", Kind: KindFeed})
	if err != nil {
		t.Fatal(err)
	}
	b := s.site.URL
	want := []string{b + "/fr/convention-de-hanoi.html", b + "/fr/sans-accents.html"}
	if !slices.Equal(urls(got), want) {
		t.Fatalf("got %v, want %v", urls(got), want)
	}
	if got[0].Lang != "fr" || !got[0].Published.Equal(time.Date(2025, 10, 25, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("first article: lang %q, published %v", got[0].Lang, got[0].Published)
	}
	if got[1].Keyword != "Convention des Nations Unies contre la cybercriminalité" {
		t.Errorf("second article matched %q", got[1].Keyword)
	}
}

func TestRunListing(t *testing.T) {
	s := newSites(t)
	d := newDiscoverer(t)
	job := Job{Name: "list", URL: s.site.URL + "/list", Kind: KindListing}
	got, err := d.Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	b := s.site.URL
	want := []string{
		b + "/fr/convention-de-hanoi.html",                         // tracking parameters stripped
		b + "/vi/cong-uoc-cua-lhq-ve-chong-toi-pham-mang-123.html", // image link, matched on its slug
		b + "/vi/cong-uoc-ha-noi-72.html",                          // /a?id=3 by its rel=canonical, and the direct link
		b + "/vi/cong-uoc-khong-dau.html",                          // AMP link, no diacritics
	}
	if !slices.Equal(urls(got), want) {
		t.Fatalf("got %v\nwant %v", urls(got), want)
	}
	for _, f := range got {
		if f.FoundAt != job.URL || f.Job != "list" || f.Title == "" || f.Lang == "" {
			t.Errorf("incomplete: %+v", f)
		}
	}
	s.checkNever(t)
	if n := s.site.count("/vi/cong-uoc-ha-noi-72.html"); n != 0 {
		t.Errorf("the canonical page was fetched %d times after its id URL told it", n)
	}
	for _, p := range []string{"/list?page=2", "/vi/gia-vang.html", "/i/cong-uoc-ha-noi.jpg"} {
		if n := s.site.count(p); n != 0 {
			t.Errorf("depth 1: %s fetched %d times", p, n)
		}
	}

	again, err := d.Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Errorf("second run:\n got %v\nwant %v", again, got)
	}
	fresh, err := newDiscoverer(t).Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fresh, got) {
		t.Errorf("another discoverer:\n got %v\nwant %v", fresh, got)
	}
	for _, p := range []string{"/fr/convention-de-hanoi.html", "/a?id=3", "/vi/decoy.html"} {
		if n := s.site.count(p); n != 2 { // once per discoverer
			t.Errorf("%s fetched %d times by two discoverers in three runs, want 2", p, n)
		}
	}
}

func TestRunListingDepth(t *testing.T) {
	s := newSites(t)
	got, err := newDiscoverer(t).Run(context.Background(), Job{Name: "deep", URL: s.site.URL + "/list", Kind: KindListing, Depth: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(urls(got), s.site.URL+"/vi/page2-cong-uoc-ha-noi.html") || len(got) != 5 {
		t.Errorf("depth 2 found %v", urls(got))
	}
	if s.site.count("/list?page=2") != 1 {
		t.Error("page 2 not read")
	}
	for _, p := range []string{"/list?page=3", "/vi/page3-cong-uoc-ha-noi.html"} {
		if n := s.site.count(p); n != 0 {
			t.Errorf("depth 2: %s fetched %d times", p, n)
		}
	}
	s.checkNever(t)
}

func TestRunBudget(t *testing.T) {
	s := newSites(t)
	got, err := newDiscoverer(t).Run(context.Background(), Job{Name: "small", URL: s.site.URL + "/list", Kind: KindListing, Depth: 2, MaxPages: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.site.requests(); n != 3 {
		t.Errorf("%d requests, want 3: %v", n, s.site.hits)
	}
	want := []string{s.site.URL + "/fr/convention-de-hanoi.html", s.site.URL + "/vi/cong-uoc-ha-noi-72.html"}
	if !slices.Equal(urls(got), want) {
		t.Errorf("got %v, want %v", urls(got), want)
	}

	// A feed with a budget of 1 reads the feed and trusts titles only.
	s.site.reset()
	got, err = newDiscoverer(t).Run(context.Background(), Job{Name: "titles", URL: s.site.URL + "/rss.xml", Kind: KindFeed, MaxPages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.site.requests(); n != 1 || len(got) != 3 {
		t.Errorf("%d requests, %d articles (%v), want 1 and 3", n, len(got), urls(got))
	}
}

func TestRunErrors(t *testing.T) {
	s := newSites(t)
	d := newDiscoverer(t)
	for _, tc := range []struct {
		name string
		job  Job
		is   error
	}{
		{"missing feed", Job{Name: "a", URL: s.site.URL + "/nothing.rss", Kind: KindFeed}, nil},
		{"not a feed", Job{Name: "b", URL: s.site.URL + "/list", Kind: KindFeed}, nil},
		{"robots", Job{Name: "c", URL: s.site.URL + "/private/cong-uoc-ha-noi.html", Kind: KindListing}, fetch.ErrRobots},
		{"bad kind", Job{Name: "d", URL: s.site.URL + "/list", Kind: "sitemap"}, nil},
		{"bad url", Job{Name: "e", URL: "ftp://127.0.0.1/x", Kind: KindFeed}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Run(context.Background(), tc.job)
			if err == nil || got != nil {
				t.Fatalf("got %v, %v; want an error", got, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
	if n := s.site.count("/private/cong-uoc-ha-noi.html"); n != 0 {
		t.Errorf("robots: fetched %d times", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Run(ctx, Job{Name: "f", URL: s.site.URL + "/list", Kind: KindListing}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

// A robots.txt answered with a 5xx forbids everything for a while, as crawlers agree.
func TestRobotsServerError(t *testing.T) {
	var pages int
	srv := serveLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		pages++
	}))
	_, err := newDiscoverer(t).Run(context.Background(), Job{Name: "x", URL: srv.URL + "/", Kind: KindListing})
	if !errors.Is(err, fetch.ErrRobots) || pages != 0 {
		t.Errorf("err %v, %d pages fetched", err, pages)
	}
}

func TestNew(t *testing.T) {
	f := newFetcher(t, fetch.Options{})
	if _, err := New(Options{Fetcher: pages{f}}, NewTopic([]string{" ", "!"})); err == nil {
		t.Error("a topic without keywords accepted")
	}
	if _, err := New(Options{Fetcher: pages{f}}, nil); err == nil {
		t.Error("a nil topic accepted")
	}
	if _, err := New(Options{}, NewTopic([]string{"Hanoi Convention"})); err == nil {
		t.Error("no fetcher accepted")
	}
}

// Jobs may run at the same time on one Discoverer: they share its limits and memory.
func TestRunConcurrent(t *testing.T) {
	s := newSites(t)
	d := newDiscoverer(t)
	jobs := []Job{
		{Name: "rss", URL: s.site.URL + "/rss.xml", Kind: KindFeed},
		{Name: "atom", URL: s.site.URL + "/atom.xml", Kind: KindFeed},
		{Name: "list", URL: s.site.URL + "/list", Kind: KindListing, Depth: 2},
	}
	errs := make(chan error, len(jobs)*2)
	for range 2 {
		for _, j := range jobs {
			go func() {
				_, err := d.Run(context.Background(), j)
				errs <- err
			}()
		}
	}
	for range len(jobs) * 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	s.checkNever(t)
}

func TestRunTooLarge(t *testing.T) {
	s := newSites(t)
	d, err := New(Options{Fetcher: pages{newFetcher(t, fetch.Options{UserAgent: "hanoiwatch-test", MaxBody: 200})}},
		NewTopic([]string{"Hanoi Convention"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(context.Background(), Job{Name: "big", URL: s.site.URL + "/list", Kind: KindListing}); !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
}
