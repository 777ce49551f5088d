package treaty

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestDate(t *testing.T) {
	d := Date{2025, 10, 25}
	if d.String() != "2025-10-25" || (Date{}).String() != "" {
		t.Errorf("String: %q, %q", d, Date{})
	}
	for _, tc := range []struct {
		from Date
		n    int
		want Date
	}{
		{Date{2026, 9, 15}, 90, Date{2026, 12, 14}},
		{Date{2026, 11, 3}, 90, Date{2027, 2, 1}},
		{Date{2027, 12, 2}, 90, Date{2028, 3, 1}}, // over a leap day
		{Date{2025, 10, 26}, -1, Date{2025, 10, 25}},
	} {
		if got := tc.from.AddDays(tc.n); got != tc.want {
			t.Errorf("%s + %d days = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	b, err := json.Marshal(struct {
		D Date  `json:"d"`
		P *Date `json:"p,omitempty"`
	}{D: d})
	if err != nil || string(b) != `{"d":"2025-10-25"}` {
		t.Fatalf("JSON %s, %v", b, err)
	}
	var back struct{ D, Z Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-12-14","Z":""}`), &back); err != nil || back.D != (Date{2026, 12, 14}) || !back.Z.IsZero() {
		t.Fatalf("%+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"14 Dec 2026"}`), &back); err == nil {
		t.Error("a date not in YYYY-MM-DD was accepted")
	}
	if !d.Before(Date{2025, 10, 26}) || d.After(Date{2025, 10, 26}) || d.Compare(d) != 0 {
		t.Error("ordering")
	}
}

func TestAsOf(t *testing.T) {
	s := load(t, "status-2025-10-26.xml")
	for _, tc := range []struct {
		day        Date
		sig, parts int
	}{
		{Date{2025, 10, 24}, 0, 0},
		{Date{2025, 10, 25}, 65, 0}, // the plenary's count, reported on the 25th
		{Date{2025, 10, 26}, 72, 0}, // after the second day
		{Date{2026, 1, 1}, 72, 0},
	} {
		sig, parts := s.AsOf(tc.day)
		if sig != tc.sig || parts != tc.parts {
			t.Errorf("as of %s: %d signatories, %d parties; want %d, %d", tc.day, sig, parts, tc.sig, tc.parts)
		}
	}
	s = load(t, "status-2026-10-01.xml")
	for _, tc := range []struct {
		day        Date
		sig, parts int
	}{
		{Date{2026, 3, 16}, 75, 5},
		{Date{2026, 9, 14}, 76, 40}, // 39 counting instruments and the European Union's
		{Date{2026, 9, 15}, 76, 41},
		{Date{2026, 10, 1}, 76, 42},
	} {
		sig, parts := s.AsOf(tc.day)
		if sig != tc.sig || parts != tc.parts {
			t.Errorf("as of %s: %d signatories, %d parties; want %d, %d", tc.day, sig, parts, tc.sig, tc.parts)
		}
	}
}

func TestEntryIntoForce(t *testing.T) {
	for _, tc := range []struct {
		file   string
		needed int
		eif    Date
	}{
		{"status-2025-10-26.xml", 40, Date{}},
		{"status-2026-03-16.xml", 35, Date{}},
		// The fortieth counting instrument is Tunisia's of 15 Sep 2026; counting the European
		// Union's approval of 30 Jun would wrongly make it Togo's of 8 Sep.
		{"status-2026-10-01.xml", 0, Date{2026, 12, 14}},
	} {
		s := load(t, tc.file)
		d, ok := s.EntryIntoForce()
		if d != tc.eif || ok != !tc.eif.IsZero() {
			t.Errorf("%s: entry into force %s %v, want %s", tc.file, d, ok, tc.eif)
		}
		if n := s.RatificationsNeeded(); n != tc.needed {
			t.Errorf("%s: %d ratifications needed, want %d", tc.file, n, tc.needed)
		}
	}
}

// synthetic builds a status with n instruments deposited one a day from start, in a shuffled
// order, and counts taken from the table.
func synthetic(n int, start Date, extra ...Participant) Status {
	var s Status
	for i := range n {
		d := start.AddDays(i)
		s.Participants = append(s.Participants, Participant{Name: fmt.Sprintf("State %02d", i), Signed: &start, Instrument: Ratification, Deposited: &d})
	}
	s.Participants = append(s.Participants, extra...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(s.Participants), func(i, j int) {
		s.Participants[i], s.Participants[j] = s.Participants[j], s.Participants[i]
	})
	s.Signatories, s.Parties = s.AsOf(Date{9999, 12, 31})
	return s
}

func TestEntryIntoForceRule(t *testing.T) {
	start := Date{2026, 1, 1}
	if _, ok := synthetic(39, start).EntryIntoForce(); ok {
		t.Error("39 instruments: in force")
	}
	if n := synthetic(39, start).RatificationsNeeded(); n != 1 {
		t.Errorf("39 instruments: %d needed, want 1", n)
	}
	// The fortieth of 45, by date whatever the order of the rows: 9 Feb 2026 + 90 days.
	if d, ok := synthetic(45, start).EntryIntoForce(); !ok || d != (Date{2026, 5, 10}) {
		t.Errorf("45 instruments: %s %v, want 2026-05-10", d, ok)
	}
	// Same-day deposits: whichever is the fortieth, the date is the same.
	tie := synthetic(39, start, Participant{Name: "Tied", Instrument: Accession, Deposited: &Date{2026, 2, 8}})
	if d, ok := tie.EntryIntoForce(); !ok || d != (Date{2026, 5, 9}) {
		t.Errorf("tie: %s %v, want 2026-05-09", d, ok)
	}
	// The European Union's instrument is not additional to its member States' (article 65(1)).
	eu := synthetic(39, start, Participant{Name: "European Union", Signed: &start, Instrument: Approval, Deposited: &Date{2026, 1, 15}})
	if _, ok := eu.EntryIntoForce(); ok {
		t.Error("39 States and the European Union: in force")
	}
	if eu.Parties != 40 || eu.RatificationsNeeded() != 1 {
		t.Errorf("39 States and the European Union: %d parties, %d needed; want 40, 1", eu.Parties, eu.RatificationsNeeded())
	}
}

func TestTextStable(t *testing.T) {
	for _, file := range []string{"status-2025-10-26.xml", "status-2026-03-16.xml", "status-2026-10-01.xml"} {
		s := load(t, file)
		want := s.Text()
		if again := load(t, file).Text(); again != want {
			t.Fatalf("%s: two readings differ", file)
		}
		shuffled := s
		shuffled.Participants = slices.Clone(s.Participants)
		rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled.Participants), func(i, j int) {
			shuffled.Participants[i], shuffled.Participants[j] = shuffled.Participants[j], shuffled.Participants[i]
		})
		if shuffled.Text() != want {
			t.Fatalf("%s: the order of the rows changes the text", file)
		}
		shuffled.Source = "html"
		if shuffled.Text() != want {
			t.Fatalf("%s: the source changes the text", file)
		}
	}
	golden(t, "status-2026-10-01.txt", load(t, "status-2026-10-01.xml").Text())
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\n%s", name, got)
	}
}

func TestSort(t *testing.T) {
	ps := []Participant{{Name: "Cuba"}, {Name: "Côte d'Ivoire"}, {Name: "Costa Rica"}, {Name: "Czech Republic"}, {Name: "Türkiye"}, {Name: "Tunisia"}, {Name: "Turkmenistan"}}
	Sort(ps)
	var got []string
	for _, p := range ps {
		got = append(got, p.Name)
	}
	want := []string{"Costa Rica", "Côte d'Ivoire", "Cuba", "Czech Republic", "Tunisia", "Türkiye", "Turkmenistan"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestStatusJSON(t *testing.T) {
	s := load(t, "status-2026-03-16.xml")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Status
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Text() != s.Text() || back.Source != "xml" {
		t.Errorf("JSON round trip changed the status:\n%s", b)
	}
	p, _ := find(back, "Portugal")
	if p.Instrument != Approval || p.Deposited.String() != "2026-02-26" {
		t.Errorf("%+v", p)
	}
}
