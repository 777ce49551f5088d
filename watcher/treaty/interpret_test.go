package treaty

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"hanoiwatch/diff"
	"hanoiwatch/watcher"
)

var fixtures = []string{"status-2025-10-26.xml", "status-2025-12-15.xml", "status-2026-03-16.xml",
	"status-2026-03-16.html", "status-2026-10-01.xml"}

func TestParseTextRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			want := load(t, name)
			want.Source = ""
			text := want.Text()
			// The pipeline stores the text normalized (blank lines dropped, runs of white
			// space collapsed): it must read back as well.
			for _, form := range []string{text, diff.Normalize(text)} {
				got, err := ParseText(form)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("read back differs:\n got %+v\nwant %+v", got, want)
				}
				if got.Text() != text {
					t.Fatal("Text of the read-back status differs")
				}
			}
		})
	}
}

func TestParseTextRejects(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"empty", ""},
		{"no counts", "Algeria | signature 2025-10-25\n"},
		{"one count", "signatories: 1\nAlgeria | signature 2025-10-25\n"},
		{"bad date", "signatories: 1\nparties: 0\nAlgeria | signature 2025-02-30\n"},
		{"unknown action", "signatories: 1\nparties: 0\nAlgeria | withdrawal 2025-10-25\n"},
		{"twice", "signatories: 1\nparties: 0\nAlgeria | signature 2025-10-25\nAlgeria\n"},
		{"no name", "signatories: 1\nparties: 0\n | signature 2025-10-25\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseText(tc.text); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestSnapshot(t *testing.T) {
	t.Run("XML and HTML of one state give one text", func(t *testing.T) {
		x, err := Snapshot(read(t, "status-2026-03-16.xml"), "application/xml")
		if err != nil {
			t.Fatal(err)
		}
		h, err := Snapshot(read(t, "status-2026-03-16.html"), "text/html")
		if err != nil {
			t.Fatal(err)
		}
		if x != h {
			t.Fatalf("XML and HTML texts differ:\n%s\n---\n%s", x, h)
		}
	})
	for _, tc := range []struct {
		name string
		body string
		want error
	}{
		{"maintenance page", string(read(t, "maintenance.html")), ErrUnavailable},
		{"malformed XML", string(read(t, "malformed.xml")), ErrMalformed},
		{"empty table", `<?xml version="1.0"?><Treaty><Participants><Table/></Participants></Treaty>`, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if text, err := Snapshot([]byte(tc.body), ""); !errors.Is(err, tc.want) || text != "" {
				t.Fatalf("text %q, err %v; want %v", text, err, tc.want)
			}
		})
	}
}

func TestFortieth(t *testing.T) {
	if _, ok := load(t, "status-2026-03-16.xml").Fortieth(); ok {
		t.Error("a fortieth among five instruments")
	}
	p, ok := load(t, "status-2026-10-01.xml").Fortieth()
	if !ok || p.Name != "Tunisia" || p.Deposited.String() != "2026-09-15" {
		t.Fatalf("fortieth: %+v, %v", p, ok)
	}
}

// reading is the pipeline's event for a snapshot of the given fixture after prev.
func reading(t *testing.T, prev, name string) (string, string, watcher.Event) {
	t.Helper()
	cur := diff.Normalize(load(t, name).Text())
	ev := watcher.Event{ID: "pipeline", Type: watcher.ArticleNew, Time: time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC),
		Source: watcher.EventSource{Name: "un", URL: "http://127.0.0.1/x.xml"}, Snapshot: watcher.SnapshotID(cur)}
	old := ""
	if prev != "" {
		old = diff.Normalize(load(t, prev).Text())
		d := diff.Compute(old, cur)
		ev.Type, ev.Previous, ev.Diff = watcher.ArticleChanged, watcher.SnapshotID(old), &d
	}
	return old, cur, ev
}

// summary is an event as the tests compare it: type, title and detail.
func summary(t *testing.T, evs []watcher.Event) []string {
	t.Helper()
	var out []string
	for _, e := range evs {
		if e.Figures == nil || len(e.Figures) != 0 || e.Time.IsZero() || e.Source.Name != "un" {
			t.Errorf("event %s: figures %v, time %v, source %v", e.Type, e.Figures, e.Time, e.Source)
		}
		out = append(out, e.Type+" "+string(e.Detail))
	}
	return out
}

func TestInterpret(t *testing.T) {
	for _, tc := range []struct {
		name, prev, cur string
		want            []string
	}{
		{"first reading: the counts only", "", "status-2025-10-26.xml", []string{
			`treaty.counts {"signatories_before":null,"signatories_after":72,"parties_before":null,"parties_after":0,"ratifications_needed":40}`,
		}},
		{"New York signatures", "status-2025-10-26.xml", "status-2025-12-15.xml", []string{
			`treaty.signed {"participant":"São Tomé and Príncipe","date":"2025-11-20"}`,
			`treaty.signed {"participant":"Bolivia (Plurinational State of)","date":"2025-12-05"}`,
			`treaty.counts {"signatories_before":72,"signatories_after":74,"parties_before":0,"parties_after":0,"ratifications_needed":40}`,
		}},
		{"first instruments", "status-2025-12-15.xml", "status-2026-03-16.html", []string{
			`treaty.ratified {"participant":"Viet Nam","date":"2026-01-20","instrument":"ratification"}`,
			`treaty.ratified {"participant":"Côte d'Ivoire","date":"2026-02-10","instrument":"ratification"}`,
			`treaty.signed {"participant":"Bahrain","date":"2026-02-18"}`,
			`treaty.ratified {"participant":"Portugal","date":"2026-02-26","instrument":"approval"}`,
			`treaty.ratified {"participant":"Saint Vincent and the Grenadines","date":"2026-03-02","instrument":"accession"}`,
			`treaty.ratified {"participant":"Iran (Islamic Republic of)","date":"2026-03-09","instrument":"acceptance"}`,
			`treaty.counts {"signatories_before":74,"signatories_after":75,"parties_before":0,"parties_after":5,"ratifications_needed":35}`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, cur, ev := reading(t, tc.prev, tc.cur)
			evs, err := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(t, evs); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("events:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
			}
			for _, e := range evs {
				if e.Snapshot != ev.Snapshot || e.Previous != ev.Previous || e.Title == "" || (e.Diff != nil) != (e.Type == CountsChanged && ev.Diff != nil) {
					t.Errorf("event %s: snapshot %s, previous %s, title %q, diff %v", e.Type, e.Snapshot, e.Previous, e.Title, e.Diff != nil)
				}
			}
		})
	}

	t.Run("the fortieth instrument gives the entry-into-force date", func(t *testing.T) {
		old, cur, ev := reading(t, "status-2026-03-16.xml", "status-2026-10-01.xml")
		evs, err := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, e := range evs {
			n[e.Type]++
		}
		if n[Signed] != 1 || n[Ratified] != 37 || n[CountsChanged] != 1 || len(evs) != 39 {
			t.Fatalf("events by type: %v", n)
		}
		last := evs[len(evs)-1]
		var c CountsDetail
		if err := json.Unmarshal(last.Detail, &c); err != nil {
			t.Fatal(err)
		}
		if last.Type != CountsChanged || c.EntryIntoForce == nil || c.EntryIntoForce.String() != "2026-12-14" ||
			c.RatificationsNeeded != 0 || *c.PartiesBefore != 5 || c.PartiesAfter != 42 {
			t.Fatalf("counts %s", last.Detail)
		}
		if !strings.Contains(last.Title, "entry into force on 2026-12-14") {
			t.Errorf("title %q", last.Title)
		}
	})

	t.Run("stable ids", func(t *testing.T) {
		old, cur, ev := reading(t, "status-2025-10-26.xml", "status-2025-12-15.xml")
		a, _ := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
		ev.Time = ev.Time.Add(time.Hour)
		b, _ := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
		seen := map[string]bool{}
		for i := range a {
			if a[i].ID != b[i].ID || seen[a[i].ID] {
				t.Fatalf("ids %s, %s", a[i].ID, b[i].ID)
			}
			seen[a[i].ID] = true
		}
		if a[0].ID != watcher.EventID(Signed, "un", "São Tomé and Príncipe", "2025-11-20") {
			t.Errorf("id of %s", a[0].Detail)
		}
		// Another check making the same change (the record flapping between two cached
		// versions): the same signatures, but counts that moved again.
		ev.ID = "another check"
		c, _ := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
		if c[0].ID != a[0].ID || c[2].ID == a[2].ID {
			t.Errorf("ids of another check: %s %s", c[0].ID, c[2].ID)
		}
	})

	t.Run("a corrected date keeps the article event", func(t *testing.T) {
		_, cur, ev := reading(t, "", "status-2025-10-26.xml")
		old := strings.Replace(cur, "Algeria | signature 2025-10-25", "Algeria | signature 2025-10-24", 1)
		ev.Type, ev.Previous, ev.Figures = watcher.ArticleChanged, watcher.SnapshotID(old), nil
		evs, err := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
		if err != nil || len(evs) != 1 || evs[0].Type != watcher.ArticleChanged || evs[0].Figures == nil {
			t.Fatalf("events %+v, %v", evs, err)
		}
	})

	t.Run("restored and changed: the restore, then the changes", func(t *testing.T) {
		old, cur, ev := reading(t, "status-2025-10-26.xml", "status-2025-12-15.xml")
		ev.Type = watcher.ArticleRestored
		evs, err := Interpreter{}.Interpret(watcher.Source{Name: "un"}, old, cur, ev)
		if err != nil || len(evs) != 4 || evs[0].Type != watcher.ArticleRestored || evs[3].Type != CountsChanged {
			t.Fatalf("events %v, %v", summary(t, evs), err)
		}
	})

	t.Run("an unreadable snapshot is an error", func(t *testing.T) {
		_, _, ev := reading(t, "", "status-2025-10-26.xml")
		if _, err := (Interpreter{}).Interpret(watcher.Source{Name: "un"}, "", "<html>", ev); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	})
}

// FuzzSnapshotRoundTrip: whatever body Snapshot accepts, its text reads back to the same
// status, so that an accepted reading can always be compared with the next one. The seeds
// are small on purpose, as FuzzParse's (the fixtures are tested in TestParseTextRoundTrip).
// Run it with: go test -run '^$' -fuzz FuzzSnapshotRoundTrip -fuzztime 1m ./watcher/treaty
func FuzzSnapshotRoundTrip(f *testing.F) {
	for _, seed := range []string{
		"<Participants><Row><Entry>Saint Vincent and the Grenadines</Entry><Entry></Entry><Entry> 2 Mar 2026 a</Entry></Row></Participants>",
		"<Status><Signatories>2</Signatories><Parties>1</Parties></Status><Participants><Row><Entry>C&#244;te d'Ivoire</Entry>" +
			"<Entry>25 Oct 2025</Entry><Entry>10 Feb 2026</Entry></Row><Row><Entry>Iran (Islamic Republic of)2</Entry>" +
			"<Entry>25 Oct 2025</Entry><Entry>9 Mar 2026 A</Entry></Row><Row><Entry>Nauru</Entry></Row></Participants>",
		"<table><tr><th>Participant</th><th>Signature</th></tr><tr><td>Viet Nam<sup>1</sup></td><td>25 Oct 2025</td></tr></table>",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		text, err := Snapshot(body, "")
		if err != nil {
			return
		}
		s, err := ParseText(diff.Normalize(text))
		if err != nil {
			t.Fatalf("snapshot text does not read back: %v\n%s", err, text)
		}
		if s.Text() != text {
			t.Fatalf("read back as another text:\n%s\n---\n%s", s.Text(), text)
		}
	})
}

// BenchmarkInterpret: the largest change of the fixtures (37 instruments, the fortieth),
// from the two snapshot texts to the events.
func BenchmarkInterpret(b *testing.B) {
	old := diff.Normalize(load(b, "status-2026-03-16.xml").Text())
	cur := diff.Normalize(load(b, "status-2026-10-01.xml").Text())
	ev := watcher.Event{ID: "x", Type: watcher.ArticleChanged, Snapshot: "b", Previous: "a"}
	for b.Loop() {
		if _, err := (Interpreter{}).Interpret(watcher.Source{Name: "un"}, old, cur, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshot: reading the XML document of 76 participants into its text.
func BenchmarkSnapshot(b *testing.B) {
	body := read(b, "status-2026-10-01.xml")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Snapshot(body, "text/xml"); err != nil {
			b.Fatal(err)
		}
	}
}
