package figures

import (
	"fmt"
	"testing"
	"time"
)

func TestHistory(t *testing.T) {
	x := realExtractor()
	t0 := time.Date(2025, 10, 25, 18, 0, 0, 0, time.UTC)
	vs := []Version{
		{ID: "a", Time: t0, Lang: "fr", Text: "Au total, 65 pays ont signé la Convention.\nPlus de 2\u202f500 délégués sont venus."},
		{ID: "b", Time: t0.Add(24 * time.Hour), Lang: "fr", Text: "Au total, 72 pays ont signé la Convention.\nPlus de 2\u202f500 délégués sont venus."},
		{ID: "c", Time: t0.Add(48 * time.Hour), Lang: "fr", Text: "Au total, 72 pays ont signé la Convention.\nPlus de 2\u202f800 délégués sont venus, de 110 délégations."},
	}
	got := map[string]string{}
	for _, s := range x.History(vs) {
		var h []string
		for _, p := range s.History {
			h = append(h, fmt.Sprintf("%v@%s", p.Value, p.Snapshot))
		}
		latest := "gone"
		if s.Latest != nil {
			latest = fmt.Sprint(s.Latest.Value)
		}
		got[s.Key] = fmt.Sprint(h, " ", latest)
	}
	want := map[string]string{
		"signatories": "[65@a 72@b] 72",
		"delegates":   "[2500@a 2800@c] 2800",
		"delegations": "[110@c] 110",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s, want %s (all: %v)", k, got[k], w, got)
		}
	}
}

func TestHistoryFigureRemoved(t *testing.T) {
	x := realExtractor()
	s := x.History([]Version{
		{ID: "a", Lang: "fr", Text: "Selon l'ONU, 65 pays ont signé.\nOn compte 400 journalistes."},
		{ID: "b", Lang: "fr", Text: "Selon l'ONU, 65 pays ont signé."},
	})
	for _, sr := range s {
		if sr.Key == "journalists" && sr.Latest != nil {
			t.Fatalf("a figure gone from the text still has a latest value: %+v", sr)
		}
	}
}

func TestBoard(t *testing.T) {
	x := realExtractor()
	rows := Board([]Report{
		{Source: "vtv", Claims: x.Extract("Au total, 65 pays ont signé la Convention. Plus de 2\u00a0500 délégués.", "fr")},
		{Source: "vietnamplus", Claims: x.Extract("72 pays ont signé la Convention. Plus de 2\u202f500 délégués.", "fr")},
		{Source: "vi", Claims: x.Extract("72 quốc gia đã ký Công ước.", "vi")},
	})
	by := map[string]Row{}
	for _, r := range rows {
		by[r.Key] = r
	}
	sig := by["signatories"]
	if !sig.Disagree || fmt.Sprint(sig.Values["vtv"]) != "[65]" || fmt.Sprint(sig.Values["vietnamplus"]) != "[72]" || fmt.Sprint(sig.Values["vi"]) != "[72]" {
		t.Fatalf("signatories row %+v", sig)
	}
	if d := by["delegates"]; d.Disagree || fmt.Sprint(d.Consensus) != "[2500]" {
		t.Fatalf("delegates row %+v", d)
	}
}
