package treaty

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzParse holds Parse to what the pipeline relies on, for any body: no panic; a failure is
// ErrMalformed or ErrUnavailable with a zero Status (never counts); a success is sorted,
// clean and self-consistent. The seeds are committed in testdata/fuzz/FuzzParse and kept
// small on purpose: the fuzzer minimizes every new input it finds, and minimizing mutations
// of the 8-16 KB fixtures took the whole fuzzing time (the fixtures are unit-tested instead).
// Run it with: go test -run '^$' -fuzz FuzzParse -fuzztime 1m ./watcher/treaty
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		s, err := Parse(body, contentType)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("error of no known kind: %v", err)
			}
			if !reflect.DeepEqual(s, Status{}) {
				t.Fatalf("a failed reading gave a status: %+v", s)
			}
			return
		}
		if s.Source != "xml" && s.Source != "html" {
			t.Fatalf("source %q", s.Source)
		}
		if s.Signatories < 0 || s.Parties < 0 {
			t.Fatalf("counts %d, %d", s.Signatories, s.Parties)
		}
		seen := map[string]bool{}
		for _, p := range s.Participants {
			if p.Name == "" || p.Name != strings.TrimSpace(p.Name) || !utf8.ValidString(p.Name) || !norm.NFC.IsNormalString(p.Name) || strings.ContainsAny(p.Name, "\t\n\u00a0") {
				t.Fatalf("name %q", p.Name)
			}
			if seen[p.Name] {
				t.Fatalf("%q twice", p.Name)
			}
			seen[p.Name] = true
			if (p.Deposited == nil) != (p.Instrument == "") {
				t.Fatalf("%+v: an instrument without a date or a date without an instrument", p)
			}
		}
		sorted := append([]Participant(nil), s.Participants...)
		Sort(sorted)
		if !reflect.DeepEqual(sorted, s.Participants) {
			t.Fatal("participants not sorted")
		}
		again, err := Parse(body, contentType)
		if err != nil || again.Text() != s.Text() {
			t.Fatalf("a second reading differs: %v", err)
		}
		if cs, counts := Compare(s, s); len(cs) != 0 || counts != nil {
			t.Fatalf("a status compared with itself: %+v %+v", cs, counts)
		}
		actions := 0
		for _, p := range s.Participants {
			if p.Signed != nil {
				actions++
			}
			if p.Deposited != nil {
				actions++
			}
		}
		if cs, _ := Compare(Status{}, s); len(cs) != actions {
			t.Fatalf("%d changes from nothing, %d actions in the table", len(cs), actions)
		}
	})
}
