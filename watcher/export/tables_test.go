package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/export"
	"hanoiwatch/watcher/store"
)

func TestTables(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	fill(t, s, []string{"vtv", "nhandan"}, 3, t0) // one figure: 60 → 61 → 62 pays
	x := figures.New(nil)

	var buf bytes.Buffer
	if err := export.Tables(&buf, s, export.Filter{}, "jsonl", export.AllTables, x); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var l struct {
			Table  string          `json:"table"`
			Source string          `json:"source"`
			Row    json.RawMessage `json:"row"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		count[l.Table]++
		if l.Table == export.TableEvents {
			var e watcher.Event
			if err := json.Unmarshal(l.Row, &e); err != nil || e.Capture == nil || e.Source.Name == "" {
				t.Fatalf("event line %s: %v", line, err)
			}
		}
		if l.Table == export.TableSnapshots && !strings.Contains(string(l.Row), `"text":"`+l.Source+": 6") {
			t.Fatalf("snapshot line %s", line)
		}
	}
	want := map[string]int{"events": 6, "checks": 6, "snapshots": 6, "captures": 6, "figures": 6}
	for k, n := range want {
		if count[k] != n {
			t.Fatalf("jsonl: %d %s, want %d (all: %v)", count[k], k, n, count)
		}
	}

	// CSV: one table, filtered.
	buf.Reset()
	f := export.Filter{Sources: map[string]bool{"vtv": true}, Types: map[string]bool{watcher.ArticleChanged: true}}
	if err := export.Tables(&buf, s, f, "csv", []string{export.TableEvents}, x); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "time" || rows[1][2] != "vtv" || rows[1][1] != watcher.ArticleChanged {
		t.Fatalf("csv events: %v (%v)", rows, err)
	}
	buf.Reset()
	if err := export.Tables(&buf, s, export.Filter{Sources: map[string]bool{"nhandan": true}}, "csv", []string{export.TableFigures}, x); err != nil {
		t.Fatal(err)
	}
	rows, _ = csv.NewReader(&buf).ReadAll()
	var values []string
	for _, r := range rows[1:] {
		values = append(values, r[5])
	}
	if strings.Join(values, " ") != "60 61 62" {
		t.Fatalf("figure history %v", rows)
	}
	for _, bad := range []struct{ format, table string }{{"csv", ""}, {"xml", "events"}, {"jsonl", "nope"}} {
		tables := export.AllTables
		if bad.table != "" {
			tables = []string{bad.table}
		}
		if err := export.Tables(&buf, s, export.Filter{}, bad.format, tables, x); err == nil {
			t.Fatalf("format %s, tables %v: no error", bad.format, tables)
		}
	}
}
