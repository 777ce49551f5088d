package diff

import (
	"fmt"
	"strings"
	"testing"
)

func TestCompute(t *testing.T) {
	old := "Titre\nLead avec 65 pays.\nPremier paragraphe.\nDeuxième paragraphe.\nTroisième."
	tests := []struct {
		name                string
		new                 string
		added, removed      []string
		unifiedHas          []string
		wantEmpty           bool
		wantHunks           int
		wordPlus, wordMinus string
	}{
		{name: "same", new: old, wantEmpty: true},
		{name: "whitespace only", new: "Titre \n\nLead  avec 65\tpays.\nPremier paragraphe.\nDeuxième paragraphe.\n  Troisième.\n", wantEmpty: true},
		{name: "figure edit", new: strings.Replace(old, "65 pays", "72 pays", 1),
			added: []string{"Lead avec 72 pays."}, removed: []string{"Lead avec 65 pays."},
			unifiedHas: []string{"@@ -1,5 +1,5 @@", "-Lead avec 65 pays.", "+Lead avec 72 pays.", " Titre"},
			wantHunks:  1, wordPlus: "72", wordMinus: "65"},
		{name: "paragraph inserted", new: old + "\nNouveau paragraphe.",
			added: []string{"Nouveau paragraphe."}, unifiedHas: []string{"+Nouveau paragraphe."}, wantHunks: 1, wordPlus: "Nouveau paragraphe."},
		{name: "paragraph deleted", new: strings.Replace(old, "Premier paragraphe.\n", "", 1),
			removed: []string{"Premier paragraphe."}, unifiedHas: []string{"-Premier paragraphe."}, wantHunks: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compute(old, tt.new)
			if r.Empty() != tt.wantEmpty {
				t.Fatalf("Empty() = %v, want %v (%+v)", r.Empty(), tt.wantEmpty, r)
			}
			if fmt.Sprint(r.Added) != fmt.Sprint(tt.added) || fmt.Sprint(r.Removed) != fmt.Sprint(tt.removed) {
				t.Errorf("added %q removed %q, want %q %q", r.Added, r.Removed, tt.added, tt.removed)
			}
			if r.Stats.Added != len(tt.added) || r.Stats.Removed != len(tt.removed) {
				t.Errorf("stats %+v", r.Stats)
			}
			for _, s := range tt.unifiedHas {
				if !strings.Contains(r.Unified, s) {
					t.Errorf("unified lacks %q:\n%s", s, r.Unified)
				}
			}
			if len(r.Hunks) != tt.wantHunks {
				t.Fatalf("%d hunks, want %d", len(r.Hunks), tt.wantHunks)
			}
			if tt.wantHunks > 0 {
				var plus, minus []string
				for _, w := range r.Hunks[0].Words {
					switch w.Op {
					case "+":
						plus = append(plus, w.Text)
					case "-":
						minus = append(minus, w.Text)
					}
				}
				if strings.TrimSpace(strings.Join(plus, "")) != tt.wordPlus || strings.TrimSpace(strings.Join(minus, "")) != tt.wordMinus && tt.wordMinus != "" {
					t.Errorf("word hunks %+v", r.Hunks[0].Words)
				}
			}
		})
	}
}

func TestHunksSplitAndContext(t *testing.T) {
	var a []string
	for i := 1; i <= 30; i++ {
		a = append(a, fmt.Sprintf("ligne %d", i))
	}
	b := append([]string(nil), a...)
	b[1], b[25] = "ligne deux", "ligne vingt-six"
	r := Compute(strings.Join(a, "\n"), strings.Join(b, "\n"))
	if len(r.Hunks) != 2 {
		t.Fatalf("%d hunks, want 2:\n%s", len(r.Hunks), r.Unified)
	}
	if h := r.Hunks[0]; h.OldStart != 1 || h.OldLines != 5 || h.NewLines != 5 {
		t.Errorf("first hunk %+v", h)
	}
	if h := r.Hunks[1]; h.OldStart != 23 || h.OldLines != 7 {
		t.Errorf("second hunk %+v", h)
	}
}

func TestWordsRoundTrip(t *testing.T) {
	old, new := "Selon l'ONU, 65 pays ont signé.", "Selon l’ONU, 72 pays ont signé hier."
	var got strings.Builder
	for _, w := range Words(old, new) {
		if w.Op != "-" {
			got.WriteString(w.Text)
		}
	}
	if got.String() != new {
		t.Fatalf("= and + words give %q, want %q", got.String(), new)
	}
}

func TestNormalizeKeepsNoBreakSpaces(t *testing.T) {
	if got := Normalize("  2\u00a0500  délégués \n\n\t100\u202f000 cas "); got != "2\u00a0500 délégués\n100\u202f000 cas" {
		t.Fatalf("Normalize = %q", got)
	}
}

func TestColorize(t *testing.T) {
	c := Colorize("@@ -1 +1 @@\n-a\n+b\n c\n")
	if !strings.Contains(c, "\x1b[31m-a\x1b[0m") || !strings.Contains(c, "\x1b[32m+b\x1b[0m") || !strings.Contains(c, " c\n") {
		t.Fatalf("Colorize = %q", c)
	}
}

func BenchmarkCompute1MB(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, "Paragraphe %d : la Convention de Hanoï a été signée par %d pays, selon le texte numéro %d.\n", i, 60+i%20, i*7)
	}
	old := sb.String()
	new := strings.Replace(old, "signée par 65 pays", "signée par 72 pays", 50) + "Un paragraphe de plus.\n"
	b.SetBytes(int64(len(old)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compute(old, new)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Hanoï":            "Hanoi",
		"Công ước Hà Nội":  "Cong uoc Ha Noi",
		"Đoàn đại biểu":    "Doan dai bieu",
		"Côte d'Ivoire":    "Cote d'Ivoire",
		"Straße, Łódź":     "Strasse, Lodz",
		"plain ascii 2500": "plain ascii 2500",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWordsKeepNumbersWhole: a number is one token of the word diff, its thousands
// separators and decimal mark included, so that an edited figure is one replacement.
func TestWordsKeepNumbersWhole(t *testing.T) {
	for _, c := range []struct{ old, new, removed, added string }{
		{"plus de 2 500 délégués", "plus de 3 000 délégués", "2 500", "3 000"},
		{"plus de 2\u202f500 délégués", "plus de 2\u202f800 délégués", "2\u202f500", "2\u202f800"},
		{"over 2,500 delegates", "over 3,000 delegates", "2,500", "3,000"},
		{"khoảng 2.500 đại biểu", "khoảng 2.800 đại biểu", "2.500", "2.800"},
		{"un taux de 3,5 %", "un taux de 4,25 %", "3,5", "4,25"},
		{"225.86 dollars", "425.86 dollars", "225.86", "425.86"},
		{"en 2025 100 pays", "en 2025 120 pays", "100", "120"},
	} {
		var rem, add []string
		for _, w := range Words(c.old, c.new) {
			switch w.Op {
			case "-":
				rem = append(rem, w.Text)
			case "+":
				add = append(add, w.Text)
			}
		}
		if strings.Join(rem, "|") != c.removed || strings.Join(add, "|") != c.added {
			t.Errorf("%q → %q: removed %q added %q, want %q and %q", c.old, c.new, rem, add, c.removed, c.added)
		}
	}
}
