package main

import (
	"encoding/json"
	"testing"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher/fixture"
)

// TestFigureHistorySurvivesRetention: where each value of a figure first appeared is
// recorded when it appears, so that once retention has dropped the snapshot of an
// intermediate value (65 → 68 → 72, two snapshots kept), the history still shows it,
// credited to its own snapshot.
func TestFigureHistorySurvivesRetention(t *testing.T) {
	e := newEnv(t, fixture.New(), "storage:\n  retention: {max_snapshots: 2}\n")
	e.check("vtv")
	for _, edit := range [][2]string{{"65 pays", "68 pays"}, {"68 pays", "72 pays"}} {
		if err := e.site.Replace("vtv", edit[0], edit[1]); err != nil {
			t.Fatal(err)
		}
		e.check("vtv")
	}
	out, _, err := hw(t, "snapshots", "vtv", "--config", e.cfg, "--db", e.db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var snaps []json.RawMessage
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots kept: %d (%v)\n%s", len(snaps), err, out)
	}
	out, _, err = hw(t, "figures", "vtv", "--config", e.cfg, "--db", e.db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var series []figures.Series
	if err := json.Unmarshal([]byte(out), &series); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, s := range series {
		if s.Latest == nil || s.Latest.Value != 72 {
			continue
		}
		var vals []float64
		ids := map[string]bool{}
		for _, p := range s.History {
			vals = append(vals, p.Value)
			ids[p.Snapshot] = true
		}
		if len(vals) != 3 || vals[0] != 65 || vals[1] != 68 || vals[2] != 72 || len(ids) != 3 || s.Key != "signatories" {
			t.Fatalf("series of 72: %+v", s)
		}
		return
	}
	t.Fatalf("no series ending at 72 in\n%s", out)
}
