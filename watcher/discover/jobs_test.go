package discover

import (
	"os"
	"strings"
	"testing"
)

// The shipped defaults parse, and every job is valid.
func TestSeedFeeds(t *testing.T) {
	data, err := os.ReadFile("../../seeds/feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := ParseJobs(data)
	if err != nil {
		t.Fatal(err)
	}
	sites := map[string]bool{}
	for _, j := range jobs {
		sites[site(Canonical(j.URL))] = true
		if j.Disabled {
			t.Errorf("%s: disabled by default", j.Name)
		}
		if j.Schedule == "" {
			t.Errorf("%s: no schedule", j.Name)
		}
	}
	for _, s := range []string{"vietnamplus.vn", "nhandan.vn", "baochinhphu.vn", "baotintuc.vn", "vtv.vn"} {
		if !sites[s] {
			t.Errorf("no job for %s", s)
		}
	}
}

func TestParseJobs(t *testing.T) {
	good := `
- name: a
  url: https://x.vn/rss
  kind: feed
- name: b
  url: https://x.vn/
  kind: listing
  depth: 2
  max_pages: 5
  schedule: "@every 6h"
  enabled: false
`
	jobs, err := ParseJobs([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []Job{
		{Name: "a", URL: "https://x.vn/rss", Kind: KindFeed},
		{Name: "b", URL: "https://x.vn/", Kind: KindListing, Depth: 2, MaxPages: 5, Schedule: "@every 6h", Disabled: true},
	}
	if len(jobs) != 2 || jobs[0] != want[0] || jobs[1] != want[1] {
		t.Errorf("got %+v", jobs)
	}
	if jobs, err := ParseJobs(nil); err != nil || jobs != nil {
		t.Errorf("empty: %v, %v", jobs, err)
	}
	for _, tc := range []struct{ name, yaml, err string }{
		{"unknown key", "- name: a\n  url: https://x.vn/\n  kind: feed\n  selector: p\n", `line 4: unknown key "selector"`},
		{"duplicate", "- {name: a, url: 'https://x.vn/', kind: feed}\n- {name: a, url: 'https://x.vn/', kind: feed}\n", "line 2: job \"a\": name already used on line 1"},
		{"kind", "- {name: a, url: 'https://x.vn/', kind: sitemap}\n", `kind "sitemap"`},
		{"url", "- {name: a, url: '/rss', kind: feed}\n", `url "/rss"`},
		{"name", "- {name: A B, url: 'https://x.vn/', kind: feed}\n", `name "A B"`},
		{"depth", "- {name: a, url: 'https://x.vn/', kind: listing, depth: 9}\n", "depth 9"},
		{"pages", "- {name: a, url: 'https://x.vn/', kind: listing, max_pages: -1}\n", "max_pages -1"},
		{"type", "- {name: a, url: 'https://x.vn/', kind: listing, depth: deep}\n", "line 1"},
		{"not a list", "name: a\n", "want a list"},
		{"not a job", "- a\n", "want a job"},
		{"syntax", "- [\n", "jobs:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJobs([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one with %q", err, tc.err)
			}
		})
	}
}

func TestParseKeywords(t *testing.T) {
	k := keywordsFromSeeds(t)
	for _, want := range []string{"Convention de Hanoï", "Công ước Hà Nội", "Hanoi Convention",
		"Convention des Nations Unies contre la cybercriminalité",
		"Công ước của Liên hợp quốc về chống tội phạm mạng", "UN Convention against Cybercrime"} {
		found := false
		for _, x := range k {
			found = found || x == want
		}
		if !found {
			t.Errorf("seeds/keywords.yaml lacks %q", want)
		}
	}
	for _, tc := range []struct{ yaml, err string }{
		{"", "none"},
		{"fr: []\n", "none"},
		{"- a\n", "want a mapping"},
		{"fr: Convention de Hanoï\n", "fr: want a list"},
		{"fr: ['!!']\n", "no letter or digit"},
	} {
		if _, err := ParseKeywords([]byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want one with %q", tc.yaml, err, tc.err)
		}
	}
}

func TestSourceName(t *testing.T) {
	for _, tc := range []struct{ url, prefix string }{
		{"https://vtv.vn/thu-tuong-an-ninh-mang-co-tinh-toan-dan-toan-dien-toan-cau-khong-phai-van-de-cua-rieng-quoc-gia-nao-100251025161328459.htm", "vtv-thu-tuong-an-ninh-mang-"},
		{"https://www.vietnamplus.vn/viet-nam-dat-nen-mong-post1072855.vnp", "vietnamplus-viet-nam-dat-nen-mong-post1072855-"},
		{"https://en.vietnamplus.vn/a.html", "en.vietnamplus-a-"},
		{"https://x.vn/C%C3%B4ng-%C6%B0%E1%BB%9Bc", "x-cong-uoc-"},
		{"http://127.0.0.1:8080/", "127.0.0.1-8080-"},
	} {
		n := Found{URL: tc.url}.SourceName()
		if !strings.HasPrefix(n, tc.prefix) || len(n) > 64 || !nameRE.MatchString(n) {
			t.Errorf("SourceName(%s) = %q, want a valid name starting with %q", tc.url, n, tc.prefix)
		}
		if n != (Found{URL: tc.url}).SourceName() {
			t.Error("not stable")
		}
	}
	if (Found{URL: "https://x.vn/a"}).SourceName() == (Found{URL: "https://x.vn/a?page=2"}).SourceName() {
		t.Error("two articles, one name")
	}
}
