package seeds

import (
	"net/url"
	"testing"
)

func TestSources(t *testing.T) {
	s := Sources()
	if len(s) != 6 || s[5].Kind != "treaty-status" {
		t.Fatalf("got %d seeded sources, want the 5 articles and the treaty record", len(s))
	}
	seen := map[string]bool{}
	for _, src := range s {
		if seen[src.Name] {
			t.Errorf("duplicate name %q", src.Name)
		}
		seen[src.Name] = true
		if u, err := url.Parse(src.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("%s: bad url %q", src.Name, src.URL)
		}
	}
}

func TestSubjects(t *testing.T) {
	s := Subjects()
	if len(s) == 0 || s[0].Key != "ratifications_needed" || len(s[0].Phrases) == 0 {
		t.Fatalf("unexpected subjects table: %+v", s)
	}
}
