package discover

import "testing"

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://www.vietnamplus.vn/a-post1.vnp", "https://www.vietnamplus.vn/a-post1.vnp"},
		{"  HTTPS://WWW.VietnamPlus.VN/a-post1.vnp#comments ", "https://www.vietnamplus.vn/a-post1.vnp"},
		{"https://vtv.vn/a.htm?utm_source=facebook&utm_medium=social&fbclid=IwAR0", "https://vtv.vn/a.htm"},
		{"https://vtv.vn/a.htm?gclid=1&zarsrc=31&gidzl=abc&_ga=2.1", "https://vtv.vn/a.htm"},
		{"https://vtv.vn/a.htm?UTM_Campaign=x&page=2", "https://vtv.vn/a.htm?page=2"},
		{"https://x.vn/s?b=2&a=1&c=3", "https://x.vn/s?a=1&b=2&c=3"},
		{"https://x.vn/s?b=2&a=1&b=1", "https://x.vn/s?a=1&b=2&b=1"},
		{"https://x.vn/s?q=c%C3%B4ng+%C6%B0%E1%BB%9Bc&&", "https://x.vn/s?q=c%C3%B4ng+%C6%B0%E1%BB%9Bc"},
		{"https://x.vn/a?", "https://x.vn/a"},
		{"https://x.vn", "https://x.vn/"},
		{"http://x.vn:80/a", "http://x.vn/a"},
		{"https://x.vn:443/a", "https://x.vn/a"},
		{"http://x.vn:8080/a", "http://x.vn:8080/a"},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/a"},
		{"http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"https://user:pw@x.vn/a", "https://x.vn/a"},
		{"https://x.vn./a", "https://x.vn/a"},
		// AMP
		{"https://x.vn/amp/thoi-su/a.htm", "https://x.vn/thoi-su/a.htm"},
		{"https://x.vn/2025/10/a/amp/", "https://x.vn/2025/10/a/"},
		{"https://x.vn/a.html/amp", "https://x.vn/a.html"},
		{"https://x.vn/a.amp.html", "https://x.vn/a.html"},
		{"https://x.vn/a.amp", "https://x.vn/a"},
		{"https://x.vn/a.htm?amp", "https://x.vn/a.htm"},
		{"https://x.vn/a.htm?amp=1&id=2", "https://x.vn/a.htm?id=2"},
		{"https://x.vn/a.htm?outputType=amp", "https://x.vn/a.htm"},
		{"https://amp.x.vn/a.htm", "https://x.vn/a.htm"},
		{"https://www-x-vn.cdn.ampproject.org/c/s/www.x.vn/a.htm?utm_source=g", "https://www.x.vn/a.htm"},
		{"https://www-x-vn.cdn.ampproject.org/v/x.vn/amp/a.htm", "http://x.vn/a.htm"},
		{"https://x.vn/ampere.htm", "https://x.vn/ampere.htm"},
		{"https://x.vn/example.htm", "https://x.vn/example.htm"},
		// mobile
		{"https://m.vtv.vn/a.htm", "https://vtv.vn/a.htm"},
		{"https://mobile.x.vn/a.htm", "https://x.vn/a.htm"},
		{"https://m.amp.x.vn/a.htm", "https://x.vn/a.htm"},
		{"https://m.vn/a", "https://m.vn/a"},
		{"https://mx.vn/a", "https://mx.vn/a"},
		// not http
		{"mailto:a@x.vn", ""},
		{"javascript:void(0)", ""},
		{"/relative/path", ""},
		{"ftp://x.vn/a", ""},
		{"http:///a", ""},
		{"", ""},
	} {
		got := Canonical(tc.in)
		if got != tc.want {
			t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := Canonical(got); again != got {
			t.Errorf("Canonical(%q) = %q, not stable", got, again)
		}
	}
}

func TestSite(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"https://www.vietnamplus.vn/a", "https://vietnamplus.vn/b", true},
		{"https://m.vietnamplus.vn/a", "https://www.vietnamplus.vn/b", true},
		{"https://en.vietnamplus.vn/a", "https://www.vietnamplus.vn/b", false},
		{"http://127.0.0.1:1/a", "http://127.0.0.1:2/a", false},
		{"https://vtv.vn/a", "http://vtv.vn/a", true},
	} {
		if got := site(Canonical(tc.a)) == site(Canonical(tc.b)); got != tc.same {
			t.Errorf("same site %s, %s = %v", tc.a, tc.b, got)
		}
	}
}
