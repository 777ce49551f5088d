package treaty

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCompareSuccessive(t *testing.T) {
	s1 := load(t, "status-2025-10-26.xml")
	s2 := load(t, "status-2025-12-15.xml")
	s3 := load(t, "status-2026-03-16.xml")
	s4 := load(t, "status-2026-10-01.xml")

	for _, tc := range []struct {
		name          string
		before, after Status
		changes       []Change
		counts        *Counts
	}{
		{"unchanged", s1, s1, nil, nil},
		{
			"new signatures in New York", s1, s2,
			[]Change{
				{Type: Signed, Participant: "São Tomé and Príncipe", Date: Date{2025, 11, 20}},
				{Type: Signed, Participant: "Bolivia (Plurinational State of)", Date: Date{2025, 12, 5}},
			},
			&Counts{SignatoriesBefore: 72, SignatoriesAfter: 74, PartiesBefore: 0, PartiesAfter: 0, RatificationsNeeded: 40},
		},
		{
			"first instruments of each kind", s2, s3,
			[]Change{
				{Type: Ratified, Participant: "Viet Nam", Date: Date{2026, 1, 20}, Instrument: Ratification},
				{Type: Ratified, Participant: "Côte d'Ivoire", Date: Date{2026, 2, 10}, Instrument: Ratification},
				{Type: Signed, Participant: "Bahrain", Date: Date{2026, 2, 18}},
				{Type: Ratified, Participant: "Portugal", Date: Date{2026, 2, 26}, Instrument: Approval},
				{Type: Ratified, Participant: "Saint Vincent and the Grenadines", Date: Date{2026, 3, 2}, Instrument: Accession},
				{Type: Ratified, Participant: "Iran (Islamic Republic of)", Date: Date{2026, 3, 9}, Instrument: Acceptance},
			},
			&Counts{SignatoriesBefore: 74, SignatoriesAfter: 75, PartiesBefore: 0, PartiesAfter: 5, RatificationsNeeded: 35},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, counts := Compare(tc.before, tc.after)
			if !reflect.DeepEqual(cs, tc.changes) {
				t.Errorf("changes:\n got %+v\nwant %+v", cs, tc.changes)
			}
			if !reflect.DeepEqual(counts, tc.counts) {
				t.Errorf("counts: got %+v, want %+v", counts, tc.counts)
			}
		})
	}

	t.Run("the fortieth instrument", func(t *testing.T) {
		cs, counts := Compare(s3, s4)
		eif := Date{2026, 12, 14}
		want := &Counts{SignatoriesBefore: 75, SignatoriesAfter: 76, PartiesBefore: 5, PartiesAfter: 42, RatificationsNeeded: 0, EntryIntoForce: &eif}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("counts: got %+v, want %+v", counts, want)
		}
		kinds := map[string]int{}
		for _, c := range cs {
			kinds[c.Type]++
		}
		if kinds[Signed] != 1 || kinds[Ratified] != 37 || len(cs) != 38 {
			t.Errorf("%d changes: %v; want 1 signature and 37 instruments", len(cs), kinds)
		}
		for _, w := range []Change{
			{Type: Signed, Participant: "Mexico", Date: Date{2026, 5, 12}},
			{Type: Ratified, Participant: "European Union", Date: Date{2026, 6, 30}, Instrument: Approval},
			{Type: Ratified, Participant: "Saint Kitts and Nevis", Date: Date{2026, 7, 7}, Instrument: Accession},
			{Type: Ratified, Participant: "Belarus", Date: Date{2026, 4, 4}, Instrument: Acceptance},
			{Type: Ratified, Participant: "Tunisia", Date: Date{2026, 9, 15}, Instrument: Ratification},
		} {
			found := false
			for _, c := range cs {
				found = found || c == w
			}
			if !found {
				t.Errorf("missing %+v", w)
			}
		}
		// Chronological, whatever the alphabetical order: Angola's of 28 Sep comes last.
		if last := cs[len(cs)-1]; last.Participant != "Angola" || last.Date != (Date{2026, 9, 28}) {
			t.Errorf("last change %+v, want Angola's of 2026-09-28", last)
		}
		for i := 1; i < len(cs); i++ {
			if cs[i].Date.Before(cs[i-1].Date) {
				t.Fatalf("not in date order at %d: %+v after %+v", i, cs[i], cs[i-1])
			}
		}
	})

	t.Run("first reading", func(t *testing.T) {
		cs, counts := Compare(Status{}, s1)
		if len(cs) != 72 || counts == nil || counts.SignatoriesAfter != 72 || counts.RatificationsNeeded != 40 {
			t.Errorf("%d changes, counts %+v", len(cs), counts)
		}
	})

	t.Run("a row that disappears is not a change", func(t *testing.T) {
		cut := s2
		cut.Participants = s2.Participants[1:]
		if cs, counts := Compare(s2, cut); len(cs) != 0 || counts != nil {
			t.Errorf("%+v %+v", cs, counts)
		}
	})
}

func TestChangeJSON(t *testing.T) {
	eif := Date{2026, 12, 14}
	b, err := json.Marshal([]any{
		Change{Type: Ratified, Participant: "Côte d'Ivoire", Date: Date{2026, 2, 10}, Instrument: Ratification},
		Change{Type: Signed, Participant: "Iran (Islamic Republic of)", Date: Date{2025, 10, 25}},
		Counts{SignatoriesBefore: 75, SignatoriesAfter: 76, PartiesBefore: 39, PartiesAfter: 41, EntryIntoForce: &eif},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"treaty.ratified","participant":"Côte d'Ivoire","date":"2026-02-10","instrument":"ratification"},` +
		`{"type":"treaty.signed","participant":"Iran (Islamic Republic of)","date":"2025-10-25"},` +
		`{"signatories_before":75,"signatories_after":76,"parties_before":39,"parties_after":41,"ratifications_needed":0,"entry_into_force":"2026-12-14"}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
