package main

import (
	"encoding/json"
	"strings"
	"testing"

	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/report"
)

// TestBoardProgression: on the seed articles, figures of different dates are a progression,
// not sources that disagree: vtv's 65 signatories of 25 October and vietnamplus's 72 of the
// 26th, baotintuc's 100 organisations of 8 October and vietnamplus's 150 of the 26th.
func TestBoardProgression(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	e.check()
	out, _, err := hw(t, "figures", "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"65 (2025-10-25) → 72 (2025-10-26)", "100 (2025-10-08) → 150 (2025-10-26)"} {
		if !strings.Contains(out, want) {
			t.Errorf("board lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DISAGREE") {
		t.Errorf("a false disagreement:\n%s", out)
	}
	out, _, err = hw(t, "figures", "--config", e.cfg, "--db", e.db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var b report.Board
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, r := range b.Rows {
		if r.Key == "signatories" && (r.Disagree || !r.Progression || len(r.Steps) != 2 || r.Steps[0].AsOf != "2025-10-25") {
			t.Errorf("signatories row %+v", r.Row)
		}
	}
}
