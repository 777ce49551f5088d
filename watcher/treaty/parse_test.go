package treaty

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// load parses a fixture by its extension.
func load(t testing.TB, name string) Status {
	t.Helper()
	ct := "application/xml"
	if strings.HasSuffix(name, ".html") {
		ct = "text/html; charset=utf-8"
	}
	s, err := Parse(read(t, name), ct)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func find(s Status, name string) (Participant, bool) {
	for _, p := range s.Participants {
		if p.Name == name {
			return p, true
		}
	}
	return Participant{}, false
}

func date(y, m, d int) *Date { v := Date{Y: y, M: time.Month(m), D: d}; return &v }

func TestParseCell(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   *Date
		suffix string
		err    bool
	}{
		{in: "25 Oct 2025", want: date(2025, 10, 25)},
		{in: "25 October 2025", want: date(2025, 10, 25)},
		{in: "25 Oct\t 2025 ", want: date(2025, 10, 25)},
		{in: " 6 Nov 2025", want: date(2025, 11, 6)},
		{in: "06 Nov 2025", want: date(2025, 11, 6)},
		{in: "25\u00a0Oct\u00a02025", want: date(2025, 10, 25)},
		{in: "1 Sept 2026", want: date(2026, 9, 1)},
		{in: "1 Sep. 2026", want: date(2026, 9, 1)},
		{in: "29 Feb 2028", want: date(2028, 2, 29)},
		{in: "12 Mar 2026", want: date(2026, 3, 12)},
		{in: "12 Mar 2026 A", want: date(2026, 3, 12), suffix: "A"},
		{in: "12 Mar 2026 AA", want: date(2026, 3, 12), suffix: "AA"},
		{in: "12 Mar 2026 a", want: date(2026, 3, 12), suffix: "a"},
		{in: "12 Mar 2026a", want: date(2026, 3, 12), suffix: "a"},
		{in: "12 march 2026\tAA ", want: date(2026, 3, 12), suffix: "AA"},
		{in: "[20 Jan 2021 A]", want: date(2021, 1, 20), suffix: "A"},
		{in: "12 Mar 2026 a<superscript>3</superscript>", want: date(2026, 3, 12), suffix: "a"},
		{in: ""},
		{in: " \t\u00a0\n"},
		{in: "29 Feb 2026", err: true},
		{in: "31 Apr 2026", err: true},
		{in: "0 Oct 2025", err: true},
		{in: "25 Foo 2025", err: true},
		{in: "25 Oc 2025", err: true},
		{in: "2025-10-25", err: true},
		{in: "Oct 25, 2025", err: true},
		{in: "25 Oct 2025 b", err: true},
		{in: "25 Oct 2025 aa", err: true},
		{in: "25 Oct 25", err: true},
		{in: "signed", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d, suffix, err := parseCell(tc.in)
			if tc.err {
				if err == nil {
					t.Fatalf("got %v %q, want an error", d, suffix)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d, tc.want) || suffix != tc.suffix {
				t.Fatalf("got %v %q, want %v %q", d, suffix, tc.want, tc.suffix)
			}
		})
	}
}

func TestInstrumentOfSuffix(t *testing.T) {
	for suffix, want := range map[string]Instrument{"": Ratification, "A": Acceptance, "AA": Approval, "a": Accession} {
		s, err := ParseXML([]byte(`<Participants><Row><Entry>Viet Nam</Entry><Entry>25 Oct 2025</Entry><Entry>20 Jan 2026 ` + suffix + `</Entry></Row></Participants>`))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Participants[0].Instrument; got != want {
			t.Errorf("suffix %q: %q, want %q", suffix, got, want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"Côte d'Ivoire":                   "Côte d'Ivoire",
		"Côte d\u2019Ivoire":              "Côte d'Ivoire",
		"Co\u0302te d'Ivoire":             "Côte d'Ivoire", // decomposed
		"  Viet\u00a0Nam \t":              "Viet Nam",
		"Iran (Islamic Republic of)":      "Iran (Islamic Republic of)",
		"Iran (Islamic Republic of)2":     "Iran (Islamic Republic of)",
		"Iran (Islamic Republic of) 1, 3": "Iran (Islamic Republic of)",
		"Iran (Islamic\n Republic of)":    "Iran (Islamic Republic of)",
		"Bolivia (Plurinational State of)<superscript>1</superscript>": "Bolivia (Plurinational State of)",
		"Bolivia (Plurinational State of)<SUP>1,2</SUP>":               "Bolivia (Plurinational State of)",
		"<i>Türkiye</i>": "Türkiye",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseXMLFixture(t *testing.T) {
	s := load(t, "status-2025-10-26.xml")
	if s.Source != "xml" || s.Signatories != 72 || s.Parties != 0 || len(s.Participants) != 72 {
		t.Fatalf("source %q, %d signatories, %d parties, %d rows; want xml, 72, 0, 72",
			s.Source, s.Signatories, s.Parties, len(s.Participants))
	}
	// Non-ASCII names come as numeric character references in this fixture.
	for _, name := range []string{"Côte d'Ivoire", "Türkiye", "Iran (Islamic Republic of)", "Viet Nam", "European Union"} {
		p, ok := find(s, name)
		if !ok {
			t.Fatalf("no %q", name)
		}
		if p.Signed == nil || p.Signed.Y != 2025 || p.Deposited != nil || p.Instrument != "" {
			t.Errorf("%+v", p)
		}
	}
	var names []string
	for _, p := range s.Participants {
		names = append(names, p.Name)
	}
	if i := strings.Index(strings.Join(names, "|"), "Costa Rica|Côte d'Ivoire|Cuba"); i < 0 {
		t.Errorf("not in the depositary's order: %v", names)
	}
}

func TestParseXMLLatin1AndFootnotes(t *testing.T) {
	s := load(t, "status-2025-12-15.xml") // raw ISO-8859-1 bytes, an escaped <superscript> marker
	for _, name := range []string{"São Tomé and Príncipe", "Bolivia (Plurinational State of)", "Côte d'Ivoire", "Türkiye"} {
		if _, ok := find(s, name); !ok {
			t.Errorf("no %q", name)
		}
	}
	if s.Signatories != 74 || s.Parties != 0 {
		t.Errorf("%d signatories, %d parties; want 74, 0", s.Signatories, s.Parties)
	}
	s = load(t, "status-2026-10-01.xml")
	p, _ := find(s, "Saint Kitts and Nevis")
	if p.Signed != nil || p.Instrument != Accession || *p.Deposited != (Date{2026, 7, 7}) {
		t.Errorf("accession without signature: %+v", p)
	}
}

func TestParseXMLVariants(t *testing.T) {
	const head = `<Thead><Row><Entry>Participant</Entry><Entry>Signature</Entry><Entry>Ratification, Acceptance(A), Approval(AA), Accession(a)</Entry></Row></Thead>`
	want := []Participant{
		{Name: "Côte d'Ivoire", Signed: date(2025, 10, 25), Instrument: Ratification, Deposited: date(2026, 2, 10)},
		{Name: "Iran (Islamic Republic of)", Signed: date(2025, 10, 25)},
	}
	for name, doc := range map[string]string{
		"full path": `<?xml version="1.0" encoding="UTF-8"?><Document><Treaty><Participants><Table><TGroup cols="3">` + head +
			`<Tbody><Rows><Row><Entry>Iran (Islamic Republic of)</Entry><Entry>25 Oct 2025</Entry><Entry></Entry></Row>` +
			`<Row><Entry>Côte d'Ivoire</Entry><Entry>25 Oct 2025</Entry><Entry>10 Feb 2026</Entry></Row></Rows></Tbody></TGroup></Table></Participants></Treaty></Document>`,
		"html entities and element footnotes": `<Participants>` + head + `<Row><Entry>C&ocirc;te d&rsquo;Ivoire<superscript>1</superscript></Entry><Entry>25&nbsp;Oct&nbsp;2025</Entry><Entry>10 Feb 2026<superscript>2</superscript></Entry></Row>` +
			`<Row><Entry>Iran (Islamic Republic of)<sup>3</sup></Entry><Entry>25 Oct 2025</Entry><Entry/></Row></Participants>`,
		"escaped footnotes and whitespace": "<Participants>\n  <Row>\n    <Entry>\n\tIran (Islamic\n\tRepublic of)&lt;superscript&gt;2&lt;/superscript&gt;\n    </Entry>\n    <Entry> 25 Oct\t 2025 </Entry>\n    <Entry> </Entry>\n  </Row>\n" +
			"  <Row><Entry>C&#244;te d'Ivoire</Entry><Entry>25 October 2025</Entry><Entry>[10 Feb 2026]</Entry></Row>\n</Participants>",
		"header row in the body, no Thead": `<participants><table><tgroup><tbody><row><entry>Participant</entry><entry>Signature</entry><entry>Ratification</entry></row>` +
			`<row><entry>Iran (Islamic Republic of)</entry><entry>25 Oct 2025</entry></row>` +
			`<row><entry>Côte d'Ivoire</entry><entry>25 Oct 2025</entry><entry>10 Feb 2026</entry></row><row/><row><entry></entry><entry> </entry></row></tbody></tgroup></table></participants>`,
		"columns in another order": `<Participants><Thead><Row><Entry>Participant</Entry><Entry>Ratification, Acceptance(A), Approval(AA), Accession(a)</Entry><Entry>Signature</Entry></Row></Thead>` +
			`<Row><Entry>Côte d'Ivoire</Entry><Entry>10 Feb 2026</Entry><Entry>25 Oct 2025</Entry></Row>` +
			`<Row><Entry>Iran (Islamic Republic of)</Entry><Entry></Entry><Entry>25 Oct 2025</Entry></Row></Participants>`,
		"byte-order mark, Latin-1 bytes under a UTF-8 declaration": "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?><Participants><Row><Entry>C\xf4te d'Ivoire</Entry><Entry>25 Oct 2025</Entry><Entry>10 Feb 2026</Entry></Row>" +
			`<Row><Entry>Iran (Islamic Republic of)</Entry><Entry>25 Oct 2025</Entry><Entry></Entry></Row></Participants>`,
		"a second participants table is ignored": `<Participants><Row><Entry>Iran (Islamic Republic of)</Entry><Entry>25 Oct 2025</Entry></Row>` +
			`<Row><Entry>Côte d'Ivoire</Entry><Entry>25 Oct 2025</Entry><Entry>10 Feb 2026</Entry></Row></Participants>` +
			`<Participants><Row><Entry>Narnia</Entry><Entry>1 Jan 2026</Entry></Row></Participants>`,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := ParseXML([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Participants, want) {
				t.Fatalf("got %+v", s.Participants)
			}
			if s.Signatories != 2 || s.Parties != 1 {
				t.Fatalf("counts %d, %d; want them counted from the table: 2, 1", s.Signatories, s.Parties)
			}
		})
	}
}

func TestParseXMLHeaderCounts(t *testing.T) {
	const table = `<Participants><Row><Entry>Viet Nam</Entry><Entry>25 Oct 2025</Entry><Entry></Entry></Row></Participants>`
	for _, tc := range []struct {
		status     string
		sig, parts int
	}{
		{`<Status><Signatories>72</Signatories><Parties>0</Parties></Status>`, 72, 0},
		{`<Status><Signatories> 72 </Signatories></Status>`, 72, 0},                  // no parties yet: counted
		{`<Status><Signatories>72</Signatories><Parties></Parties></Status>`, 72, 0}, // empty: counted
		{`<Status><Labeltext>Status:</Labeltext>Signatories : 72. Parties : 3.</Status>`, 72, 3},
		{`<Status>Signatories: 72</Status>`, 72, 0},
		{``, 1, 0},
	} {
		s, err := ParseXML([]byte(`<Document><Treaty><Header><ExternalData>` + tc.status + `</ExternalData></Header>` + table + `</Treaty></Document>`))
		if err != nil {
			t.Fatal(err)
		}
		if s.Signatories != tc.sig || s.Parties != tc.parts {
			t.Errorf("%s: %d, %d; want %d, %d", tc.status, s.Signatories, s.Parties, tc.sig, tc.parts)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		body, ct string
		want     error
		mention  string
	}{
		"truncated fixture":    {string(read(t, "malformed.xml")), "application/xml", ErrMalformed, "xml"},
		"maintenance page":     {string(read(t, "maintenance.html")), "text/html", ErrUnavailable, ""},
		"maintenance as xml":   {string(read(t, "maintenance.html")), "application/xml", ErrUnavailable, ""},
		"maintenance no type":  {"<p>The site is undergoing urgent maintenance.</p>", "", ErrUnavailable, ""},
		"empty body":           {"", "application/xml", ErrMalformed, "empty"},
		"mismatched tags":      {`<Participants><Row><Entry>Viet Nam</Row></Entry></Participants>`, "", ErrMalformed, "xml"},
		"no participants":      {`<?xml version="1.0"?><Treaty><Header/></Treaty>`, "text/xml", ErrMalformed, "Participants"},
		"html without a table": {`<!DOCTYPE html><html><body><p>Not found</p></body></html>`, "text/html", ErrMalformed, "participants table"},
		"bad date": {`<Participants><Row><Entry>Côte d'Ivoire</Entry><Entry>25 Octobre 2025</Entry></Row></Participants>`,
			"", ErrMalformed, "Côte d'Ivoire: signature"},
		"unknown suffix": {`<Participants><Row><Entry>Iran (Islamic Republic of)</Entry><Entry></Entry><Entry>1 Mar 2026 d</Entry></Row></Participants>`,
			"", ErrMalformed, "Iran (Islamic Republic of): instrument"},
		"suffix on a signature": {`<Participants><Row><Entry>Viet Nam</Entry><Entry>25 Oct 2025 a</Entry></Row></Participants>`,
			"", ErrMalformed, "instrument letter"},
		"dates without a name": {`<Participants><Row><Entry></Entry><Entry>25 Oct 2025</Entry></Row></Participants>`, "", ErrMalformed, "row 1"},
		"listed twice": {`<Participants><Row><Entry>Viet Nam</Entry><Entry>25 Oct 2025</Entry></Row><Row><Entry>Viet Nam</Entry><Entry>26 Oct 2025</Entry></Row></Participants>`,
			"", ErrMalformed, "twice"},
		"counts over an empty table": {`<Treaty><Status><Signatories>72</Signatories></Status><Participants><Thead><Row><Entry>Participant</Entry></Row></Thead></Participants></Treaty>`,
			"", ErrMalformed, "empty"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse([]byte(tc.body), tc.ct)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			if !reflect.DeepEqual(s, Status{}) {
				t.Errorf("a failed reading gave counts: %+v", s)
			}
		})
	}
	// The parsers called directly behave alike.
	for _, f := range []func([]byte) (Status, error){ParseXML, ParseHTML} {
		if _, err := f(read(t, "maintenance.html")); !errors.Is(err, ErrUnavailable) {
			t.Errorf("maintenance page: %v", err)
		}
	}
}

// A status that merely mentions the maintenance words is still read.
func TestParseMaintenanceWordsInARealStatus(t *testing.T) {
	doc := `<Treaty><TreatyNote><Text>The PDF is currently unavailable.</Text></TreatyNote><Participants><Row><Entry>Viet Nam</Entry><Entry>25 Oct 2025</Entry></Row></Participants></Treaty>`
	if s, err := Parse([]byte(doc), "application/xml"); err != nil || s.Signatories != 1 {
		t.Fatalf("%+v, %v", s, err)
	}
}

func TestParseHTML(t *testing.T) {
	h := load(t, "status-2026-03-16.html")
	x := load(t, "status-2026-03-16.xml")
	if h.Source != "html" || x.Source != "xml" {
		t.Fatalf("sources %q, %q", h.Source, x.Source)
	}
	if h.Signatories != 75 || h.Parties != 5 {
		t.Errorf("counts %d, %d; want 75, 5 (a count in a script must not be read)", h.Signatories, h.Parties)
	}
	// Typographic apostrophes, entities, <sup> footnotes and links in the page give the
	// same names as the XML: falling back to the page is not a change.
	if h.Text() != x.Text() {
		t.Errorf("HTML and XML of the same state differ:\n%s\n----\n%s", h.Text(), x.Text())
	}
	if cs, counts := Compare(x, h); len(cs) != 0 || counts != nil {
		t.Errorf("changes between the XML and the HTML of one state: %+v %+v", cs, counts)
	}
}

func TestParseDispatch(t *testing.T) {
	for _, tc := range []struct {
		file, ct, source string
	}{
		{"status-2026-03-16.xml", "application/xml", "xml"},
		{"status-2026-03-16.xml", "text/html", "xml"}, // a mislabelled XML document
		{"status-2026-03-16.xml", "", "xml"},
		{"status-2026-03-16.html", "text/html", "html"},
		{"status-2026-03-16.html", "application/xml", "html"},
		{"status-2026-03-16.html", "", "html"},
	} {
		s, err := Parse(read(t, tc.file), tc.ct)
		if err != nil || s.Source != tc.source {
			t.Errorf("%s as %q: source %q, %v; want %q", tc.file, tc.ct, s.Source, err, tc.source)
		}
	}
	if s, err := Parse([]byte(`<table><tr><th>Participant</th><th>Signature</th></tr><tr><td>Viet Nam</td><td>25 Oct 2025</td></tr></table>`), "text/html"); err != nil || s.Source != "html" || s.Signatories != 1 {
		t.Errorf("an HTML fragment by its content type: %+v, %v", s, err)
	}
}
