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

// TestBoardByDate: figures of different dates are a progression, not a disagreement;
// sources of the same date that give different values disagree.
func TestBoardByDate(t *testing.T) {
	x := realExtractor()
	rows := Board([]Report{
		{Source: "a", AsOf: "2025-10-25", Claims: x.Extract("65 pays ont signé. Plus de 100 organisations sont inscrites.", "fr")},
		{Source: "b", AsOf: "2025-10-26", Claims: x.Extract("72 pays ont signé. Quelque 150 organisations étaient là.", "fr")},
		{Source: "c", AsOf: "2025-10-26", Claims: x.Extract("72 quốc gia đã ký. Có 160 tổ chức tham dự.", "vi")},
		{Source: "d", Claims: x.Extract("Plus de 2 500 délégués.", "fr")},
		// an earlier figure said too is no disagreement with those who give the latest
		{Source: "e", AsOf: "2025-10-26", Claims: x.Extract("Au total, 72 pays ont signé, contre 65 la veille.", "fr")},
	})
	by := map[string]Row{}
	for _, r := range rows {
		by[r.Key] = r
	}
	sig := by["signatories"]
	if sig.Disagree || !sig.Progression || len(sig.Steps) != 2 || sig.Steps[0].AsOf != "2025-10-25" ||
		fmt.Sprint(sig.Steps[0].Consensus) != "[65]" || fmt.Sprint(sig.Steps[1].Consensus) != "[72]" {
		t.Fatalf("signatories %+v", sig)
	}
	org := by["organisations"]
	if !org.Disagree || !org.Steps[1].Disagree || org.Steps[0].Disagree {
		t.Fatalf("organisations %+v", org)
	}
	if d := by["delegates"]; d.Disagree || d.Progression || len(d.Steps) != 1 || d.Steps[0].AsOf != "" {
		t.Fatalf("delegates %+v", d)
	}
}
