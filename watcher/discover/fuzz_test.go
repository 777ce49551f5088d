package discover

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzCanonical checks that Canonical never panics, is stable, and gives "" or an
// absolute http(s) URL without fragment, user info or tracking parameters. Its seed
// corpus is in testdata/fuzz/FuzzCanonical.
func FuzzCanonical(f *testing.F) {
	f.Add("https://www.vietnamplus.vn/a-post1.vnp?utm_source=zalo#top")
	f.Add("https://m.vtv.vn/amp/a.amp.htm?amp=1&b=2&a=1")
	f.Fuzz(func(t *testing.T, raw string) {
		c := Canonical(raw)
		if c == "" {
			return
		}
		if again := Canonical(c); again != c {
			t.Fatalf("Canonical(%q) = %q, then %q", raw, c, again)
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("Canonical(%q) = %q: %v", raw, c, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || strings.Contains(c, "#") {
			t.Fatalf("Canonical(%q) = %q", raw, c)
		}
		for k := range u.Query() {
			if k = strings.ToLower(k); strings.HasPrefix(k, "utm_") || trackingParams[k] {
				t.Fatalf("Canonical(%q) = %q keeps %s", raw, c, k)
			}
		}
	})
}
