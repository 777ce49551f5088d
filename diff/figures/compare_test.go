package figures

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// show writes changes compactly for test messages.
func show(chs []Change) string {
	var b strings.Builder
	for _, c := range chs {
		f := func(p *float64) string {
			if p == nil {
				return "nil"
			}
			return fmt.Sprint(*p)
		}
		fmt.Fprintf(&b, "[%s→%s %q %s %s] ", f(c.Before), f(c.After), c.Subject, c.Key, c.Kind)
	}
	return b.String()
}

// ptr returns a pointer to v, or nil for NaN (meaning "null").
func ptr(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

var null = math.NaN()

func TestCompare(t *testing.T) {
	x := realExtractor()
	const body = "Le Premier ministre a présidé une conférence de presse.\n" +
		"Plus de 100 pays étaient présents à Hanoï, dont 65 signataires.\n" +
		"La cérémonie a accueilli plus de 2\u202f500 délégués de 110 délégations.\n" +
		"Le Vietnam a enregistré plus de 100 000 cas l'an dernier."
	tests := []struct {
		name, lang, before, after string
		want                      [][2]float64 // before, after (null = NaN)
	}{
		{"number and sentence edited", "fr",
			"65 pays ont signé la Convention, ce qui témoigne de son importance.\nSuite du texte.",
			"Au total, 72 pays ont signé la Convention de Hanoï, ce qui témoigne de son importance.\nSuite du texte.",
			[][2]float64{{65, 72}}},
		{"narrow no-break space", "fr", body,
			strings.Replace(body, "2\u202f500", "2\u202f800", 1),
			[][2]float64{{2500, 2800}}},
		{"vietnamese", "vi",
			"Theo Liên Hợp Quốc, 65 quốc gia đã ký Công ước tại Hà Nội.",
			"Theo Liên Hợp Quốc, 72 quốc gia đã ký Công ước tại Hà Nội.",
			[][2]float64{{65, 72}}},
		{"reworded, no number changed", "fr", body,
			strings.Replace(strings.Replace(body, "présidé", "dirigé", 1), "dont 65 signataires", "dont 65 pays signataires", 1),
			nil},
		{"a word swapped next to a number", "fr",
			"Environ 300 personnes ont été évacuées, a déclaré le préfet.",
			"Environ 300 individus ont été évacuées, a affirmé le préfet.",
			nil},
		{"a line moved", "fr", body,
			"Le Vietnam a enregistré plus de 100 000 cas l'an dernier.\n" + strings.TrimSuffix(body, "\nLe Vietnam a enregistré plus de 100 000 cas l'an dernier."),
			nil},
		{"paragraph inserted", "fr", body,
			strings.Replace(body, "\nLa cérémonie", "\nSelon l'ONU, 72 pays ont signé la Convention, dont 64 lors de la séance plénière.\nLa cérémonie", 1),
			[][2]float64{{null, 72}, {null, 64}}},
		{"paragraph inserted (vi)", "vi", "Hội nghị có hơn 2.500 đại biểu.\nCông ước mở ký tại Hà Nội.",
			"Hội nghị có hơn 2.500 đại biểu.\nTheo Liên Hợp Quốc, 72 quốc gia đã ký Công ước, trong đó 64 quốc gia ký tại phiên toàn thể.\nCông ước mở ký tại Hà Nội.",
			[][2]float64{{null, 72}, {null, 64}}},
		{"paragraph deleted", "fr", body,
			strings.Replace(body, "\nLa cérémonie a accueilli plus de 2\u202f500 délégués de 110 délégations.", "", 1),
			[][2]float64{{2500, null}, {110, null}}},
		{"same number repeated, one more", "fr",
			"72 pays ont signé.\nLa liste des 72 pays est publiée.",
			"72 pays ont signé.\nLa liste des 72 pays est publiée.\nSelon l'ONU, 72 pays ont signé.",
			[][2]float64{{null, 72}}},
		{"same number repeated, one edited", "fr",
			"72 pays ont signé.\nLa liste des 72 pays est publiée.",
			"72 pays ont signé.\nLa liste des 73 pays est publiée.",
			[][2]float64{{72, 73}}},
		{"edit to a value present elsewhere", "fr",
			"41 pays ont signé. Il y a 61 délégations.",
			"61 pays ont signé. Il y a 61 délégations.",
			[][2]float64{{41, 61}}},
		{"decimal comma and thousands dot", "de",
			"Die Zahl stieg auf 12.5 Prozent und 1.200 Menschen.",
			"Die Zahl stieg auf 32.5 Prozent und 3.200 Menschen.",
			[][2]float64{{12.5, 32.5}, {1200, 3200}}},
		{"comma thousands", "en",
			"More than 2,300 people attended, a rise of 41 from last year.",
			"More than 4,300 people attended, a rise of 61 from last year.",
			[][2]float64{{2300, 4300}, {41, 61}}},
		{"date edited in place", "fr",
			"La réunion du 12 novembre a rassemblé 30 pays.",
			"La réunion du 32 novembre a rassemblé 30 pays.",
			[][2]float64{{12, 32}}},
		{"date in an inserted paragraph", "fr", body,
			body + "\nLa cérémonie a eu lieu le 25 octobre.",
			nil},
		{"unchanged", "fr", body, body, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(x.Extract(tc.before, tc.lang), x.Extract(tc.after, tc.lang))
			if len(got) != len(tc.want) {
				t.Fatalf("got %s, want %v", show(got), tc.want)
			}
			for i, w := range tc.want {
				b, a := ptr(w[0]), ptr(w[1])
				if !same(got[i].Before, b) || !same(got[i].After, a) {
					t.Errorf("change %d: got %s, want %v", i, show(got[i:i+1]), w)
				}
			}
		})
	}
}

// same compares two optional values.
func same(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func TestCompareFields(t *testing.T) {
	x := realExtractor()
	before := x.Extract("Plus de 65 pays ont signé la Convention.", "fr")
	after := x.Extract("Plus de 72 pays ont signé la Convention de Hanoï.", "fr")
	got := Compare(before, after)
	if len(got) != 1 {
		t.Fatalf("got %s", show(got))
	}
	c := got[0]
	if c.Subject != "pays" || c.Key != "signatories" || c.Qualifier != "plus de" ||
		c.SentenceBefore != "Plus de 65 pays ont signé la Convention." || c.SentenceAfter != "Plus de 72 pays ont signé la Convention de Hanoï." {
		t.Errorf("fields: %+v", c)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"subject":"pays","key":"signatories","before":65,"after":72,"qualifier":"plus de","sentence_before":"Plus de 65 pays ont signé la Convention.","sentence_after":"Plus de 72 pays ont signé la Convention de Hanoï."}]`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	added, _ := json.Marshal(Compare(nil, x.Extract("72 pays", "fr")))
	if !strings.Contains(string(added), `"before":null,"after":72`) {
		t.Errorf("added JSON: %s", added)
	}
}

func TestCompareDeterministic(t *testing.T) {
	x := realExtractor()
	before := x.Extract("10 pays, 20 pays, 30 pays.\n40 délégués et 50 journalistes.\n60 cas.", "fr")
	after := x.Extract("11 pays, 21 pays, 30 pays.\nNouveau : 99 cas.\n40 délégués et 55 journalistes.", "fr")
	first := show(Compare(before, after))
	for i := 0; i < 20; i++ {
		if got := show(Compare(before, after)); got != first {
			t.Fatalf("run %d: %s, first %s", i, got, first)
		}
	}
	t.Log(first)
}

func TestCompareIgnoresNonFinite(t *testing.T) {
	got := Compare([]Claim{{Value: math.NaN()}}, []Claim{{Value: math.Inf(1)}, {Value: 3, Raw: "3"}})
	if len(got) != 1 || got[0].After == nil || *got[0].After != 3 {
		t.Errorf("got %s", show(got))
	}
	if _, err := json.Marshal(got); err != nil {
		t.Error(err)
	}
}
