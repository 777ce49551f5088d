package watchlist

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"hanoiwatch/watcher"
)

func TestName(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"http://127.0.0.1:8080/vi1.html", "vi1"},
		{"https://www.vietnamplus.vn/thu-tuong-an-ninh-mang-post1071234.vnp", "vietnamplus-thu-tuong-an-ninh-mang"},
		{"https://vtv.vn/thu-tuong-an-ninh-mang-co-tinh-toan-dan-toan-dien-100251025161328459.htm", "vtv-thu-tuong-an-ninh-mang-co-tinh-toan"},
		{"https://example.org/", "example"},
		{"https://example.org/news/2025/10/", "example-news"},
		{"http://[::1]:80/", "source"},
	} {
		u, _ := url.Parse(tc.url)
		if got := Name(u, nil); got != tc.want {
			t.Errorf("Name(%s) = %q, want %q", tc.url, got, tc.want)
		}
		if got := Name(u, map[string]bool{tc.want: true}); got != tc.want+"-2" {
			t.Errorf("Name(%s) with its name taken = %q", tc.url, got)
		}
	}
}

func TestPrepare(t *testing.T) {
	watched := []watcher.Source{{Name: "vtv", URL: "https://vtv.vn/a-100251025161328459.htm"}}
	flag := func(f string) string { return "--" + f }
	for _, tc := range []struct {
		name string
		r    Request
		kind error
		msg  string // in the error
	}{
		{"the same URL", Request{URL: "https://vtv.vn/a-100251025161328459.htm", Name: "copy"}, ErrExists, `already watched as "vtv"`},
		{"the same URL in another form", Request{URL: "https://VTV.vn/a-100251025161328459.htm?utm_source=x#top"}, ErrExists, `already watched as "vtv"`},
		{"a taken name", Request{URL: "https://vtv.vn/b.htm", Name: "vtv"}, ErrExists, "give another with --name"},
		{"not a URL", Request{URL: "vtv.vn/b.htm"}, ErrInvalid, "not an absolute http(s) URL"},
		{"a bad schedule", Request{URL: "https://vtv.vn/b.htm", Schedule: "every now and then"}, ErrInvalid, "--schedule:"},
		{"a bad selector", Request{URL: "https://vtv.vn/b.htm", Selector: "div[["}, ErrInvalid, "--selector:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(tc.r, watched, flag)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v with %q", err, tc.kind, tc.msg)
			}
			if strings.Contains(err.Error(), "sources[0]") {
				t.Fatalf("err names the config's field: %v", err)
			}
		})
	}
	src, err := Prepare(Request{URL: "https://vtv.vn/other-article-100251025161328460.htm"}, watched, flag)
	if err != nil || src.Name != "vtv-other-article" || src.Origin != OriginAdded {
		t.Fatalf("Prepare = %+v, %v", src, err)
	}
}
