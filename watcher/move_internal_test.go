package watcher

import "testing"

// Which redirects move the article: the decision alone, URL by URL.
func TestMoveOf(t *testing.T) {
	const src = "https://vtv.vn/thoi-su/cong-uoc-ha-noi-100251025161328459.htm"
	const other = "https://vtv.vn/the-gioi/viet-nam-ky-cong-uoc-ha-noi-100251026090000000.htm"
	tests := []struct {
		name     string
		statuses []int // of the redirects, in order
		final    string
		moved    bool
	}{
		{"no redirect", nil, src, false},
		{"301 to another article", []int{301}, other, true},
		{"308 to another article", []int{308}, other, true},
		{"301 then 301", []int{301, 301}, other, true},
		{"302 to another article", []int{302}, other, true},
		{"307 to another article", []int{307}, other, true},
		{"301 then 302 to another article", []int{301, 302}, other, true},
		{"301 to a slug without extension", []int{301}, "https://vtv.vn/tin/cong-uoc-ha-noi", true},
		{"302 to a consent page", []int{302}, "https://vtv.vn/consent?next=/thoi-su", false},
		{"302 to a login page", []int{302}, "https://id.vtv.vn/login", false},
		{"302 to the same path with a session", []int{302}, src + "?sid=42", false},
		{"301 to https", []int{301}, "http://vtv.vn/thoi-su/cong-uoc-ha-noi-100251025161328459.htm", false},
		{"301 to www", []int{301}, "https://www.vtv.vn/thoi-su/cong-uoc-ha-noi-100251025161328459.htm", false},
		{"301 adding a slash", []int{301}, src + "/", false},
		{"unknown hops, another article", nil, other, true},
		{"unknown hops, a section", nil, "https://vtv.vn/the-gioi", false},
	}
	for _, tt := range tests {
		p := &Page{URL: tt.final, Status: 200}
		for _, s := range tt.statuses {
			p.Exchanges = append(p.Exchanges, Exchange{Status: s})
		}
		if tt.statuses != nil {
			p.Exchanges = append(p.Exchanges, Exchange{Status: 200, URL: tt.final})
		}
		to, status := moveOf(src, p)
		if (to != "") != tt.moved || (tt.moved && to != tt.final) {
			t.Errorf("%s: moved to %q, want moved %v", tt.name, to, tt.moved)
		}
		if tt.moved && len(tt.statuses) > 0 && status != tt.statuses[0] {
			t.Errorf("%s: status %d, want the first redirect's %d", tt.name, status, tt.statuses[0])
		}
	}
}
