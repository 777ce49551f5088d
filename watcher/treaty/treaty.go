// Package treaty reads the UN Secretary-General's depositary status of the United Nations
// Convention against Cybercrime (UN Treaty Collection, chapter XVIII, treaty 16) and tells what
// changed between two readings: new signatures, new instruments of ratification, acceptance,
// approval or accession, and the counts that decide entry into force. It is pure: no network,
// no storage, nothing from the rest of hanoiwatch.
//
// # The XML status document
//
// The Treaty Collection publishes each treaty's status as XML (…/MTDSG/Volume II/Chapter
// XVIII/XVIII-16.en.xml). ParseXML relies on this much of it, and no more:
//
//	Treaty                                        (any root; only the element names below matter)
//	  Header/ExternalData/…
//	    Status                                    the header counts: child elements
//	      Signatories  72                         <Signatories> and <Parties> holding an integer,
//	      Parties      0                          or text such as "Signatories : 72. Parties : 0."
//	  Participants                                the first <Participants> element of the document
//	    Table/TGroup
//	      Thead/Row/Entry                         column titles: "Participant", "Signature",
//	                                              "Acceptance(A), Ratification, Approval(AA), Accession(a)"
//	      Tbody/Rows/Row/Entry                    one <Row> per participant, one <Entry> per column
//
// Columns are found by their titles (an entry mentioning "signature"; one mentioning
// ratification, acceptance, approval or accession), falling back to the order participant,
// signature, instrument when there is no Thead. A header row repeated in the body is skipped.
// Element names are matched without regard to case, and Rows, Table and TGroup may be missing:
// any <Row> under <Participants> outside <Thead> is a participant.
//
// A cell holds a date written "25 Oct 2025" (or "25 October 2025", " 6 Nov 2025", with tabs,
// no-break spaces or brackets around it), and in the instrument column optionally one of the
// suffix letters A (acceptance), AA (approval) or a (accession); no letter means ratification.
// Empty cells are empty. Names keep their diacritics and parentheses ("Côte d'Ivoire", "Iran
// (Islamic Republic of)"); footnote markers are dropped, whether they come as
// <superscript>1</superscript> elements, as that markup escaped into the text (as public
// parsers of other treaties' status found it), or as bare trailing digits. Names are NFC,
// whitespace is collapsed, and typographic apostrophes become "'" so that the XML and the
// HTML page name a participant alike. The document has been published declaring ISO-8859-1:
// a body that is not valid UTF-8 is read as Windows-1252 (a superset of Latin-1), whatever it
// declares; HTML named entities such as &nbsp; are accepted.
//
// This was learned from public parsers of other status documents of the same collection (the
// Paris Agreement, the Kigali Amendment, the BBNJ Agreement, the Basel Convention, a treaty
// metadata harvester), which agree on these element names; several strip the escaped
// <superscript> markers, one converts the ISO-8859-1 bytes, one decodes numeric character
// references in names. The public text of XVIII-16.en.xml itself gave the column order,
// "Signatories 72" with no parties yet, and the article 65(1) rule below. The real root
// element's name was not seen. The fixtures under testdata/ are constructed in this schema;
// see testdata/README.md.
//
// # The HTML status page
//
// ParseHTML reads the same facts from the status page, as a fallback when the XML is not
// available: the first <table> having a row with cells "Participant" and "Signature" is the
// participants table (its later rows are participants, cells are <td> or <th>, <sup> footnotes
// dropped), and the counts are read from text "Signatories : 72. Parties : 0." anywhere on
// the page. Its layout was not checked against the live site; only the table shape matters.
//
// # Counts and entry into force
//
// Signatories and Parties are the header's counts when it publishes them, else counted from the
// table. Article 65(1): the Convention enters into force on the ninetieth day after the date of
// deposit of the fortieth instrument of ratification, acceptance, approval or accession, and an
// instrument of a regional economic integration organization (here the European Union) is not
// counted as additional to those of its member States. EntryIntoForce and RatificationsNeeded
// therefore leave the European Union's instrument out, while Parties, as the UN counts them,
// include it.
//
// Participants whose withdrawal the depositary marks by brackets around the name are not
// interpreted as such: the Convention is not in force, so nobody can denounce it yet.
package treaty

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"hanoiwatch/diff"
)

// Instrument is the kind of instrument by which a participant consented to be bound.
type Instrument string

// Instruments, as the status table marks them: no suffix, A, AA, a.
const (
	Ratification Instrument = "ratification"
	Acceptance   Instrument = "acceptance"
	Approval     Instrument = "approval"
	Accession    Instrument = "accession"
)

// RatificationsForEntryIntoForce is the number of instruments after whose deposit the
// Convention enters into force (article 65(1)).
const RatificationsForEntryIntoForce = 40

// daysToEntryIntoForce: "on the ninetieth day after the date of deposit" (article 65(1)).
const daysToEntryIntoForce = 90

// Participant is one row of the status table.
type Participant struct {
	Name       string     `json:"name"`                 // "Côte d'Ivoire", "Iran (Islamic Republic of)"
	Signed     *Date      `json:"signed,omitempty"`     // date of signature
	Instrument Instrument `json:"instrument,omitempty"` // "" while none is deposited
	Deposited  *Date      `json:"deposited,omitempty"`  // date of deposit of the instrument
}

// Status is one reading of the depositary status.
type Status struct {
	Participants []Participant `json:"participants"` // sorted by name, see Sort
	Signatories  int           `json:"signatories"`  // the header's count if published, else the table's
	Parties      int           `json:"parties"`      // the header's count if published, else the table's
	Source       string        `json:"source"`       // "xml" or "html"
}

// reio names the regional economic integration organizations whose instrument article 65(1)
// does not count toward the forty.
var reio = map[string]bool{"European Union": true}

// Sort orders participants as the depositary lists them: alphabetically, letters compared
// without their diacritics, so that "Côte d'Ivoire" follows "Costa Rica".
func Sort(ps []Participant) {
	slices.SortStableFunc(ps, func(a, b Participant) int {
		return cmp.Or(strings.Compare(sortKey(a.Name), sortKey(b.Name)), strings.Compare(a.Name, b.Name))
	})
}

func sortKey(name string) string { return strings.ToLower(diff.Fold(name)) }

// Text renders the status canonically, as the snapshot text of the source: the counts, then
// one participant per line in Sort order. The same status gives the same bytes whatever the
// order of its participants, and it does not say whether it was read from the XML or the
// HTML, so that falling back from one to the other is not a change.
func (s Status) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "signatories: %d\nparties: %d\n", s.Signatories, s.Parties)
	fmt.Fprintf(&b, "ratifications needed for entry into force: %d\n", s.RatificationsNeeded())
	if d, ok := s.EntryIntoForce(); ok {
		fmt.Fprintf(&b, "entry into force: %s\n", d)
	}
	b.WriteString("\n")
	ps := slices.Clone(s.Participants)
	Sort(ps)
	for _, p := range ps {
		b.WriteString(p.Name)
		if p.Signed != nil {
			fmt.Fprintf(&b, " | signature %s", p.Signed)
		}
		if p.Deposited != nil {
			fmt.Fprintf(&b, " | %s %s", p.Instrument, p.Deposited)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// counting lists the deposit dates that count toward entry into force, earliest first.
func (s Status) counting() []Date {
	var ds []Date
	for _, p := range s.Participants {
		if p.Deposited != nil && p.Instrument != "" && !reio[p.Name] {
			ds = append(ds, *p.Deposited)
		}
	}
	slices.SortFunc(ds, Date.Compare)
	return ds
}

// EntryIntoForce is the date the Convention enters into force, known once the fortieth
// counting instrument is deposited: ninety days after that deposit, the deposits ordered by
// date (which of two same-day deposits is the fortieth does not change the date).
func (s Status) EntryIntoForce() (Date, bool) {
	ds := s.counting()
	if len(ds) < RatificationsForEntryIntoForce {
		return Date{}, false
	}
	return ds[RatificationsForEntryIntoForce-1].AddDays(daysToEntryIntoForce), true
}

// RatificationsNeeded is how many more instruments entry into force needs: forty less the
// parties, not counting the European Union's instrument (article 65(1)); never below zero.
func (s Status) RatificationsNeeded() int {
	parties := s.Parties
	for _, p := range s.Participants {
		if p.Deposited != nil && reio[p.Name] {
			parties--
		}
	}
	return max(0, RatificationsForEntryIntoForce-parties)
}

// AsOf counts signatories and parties at the end of day d from the dates in the table, to
// hold a news figure against the official one of its own date: 65 signatories on 25 October
// 2025 was right that day, and 72 the next.
func (s Status) AsOf(d Date) (signatories, parties int) {
	for _, p := range s.Participants {
		if p.Signed != nil && !p.Signed.After(d) {
			signatories++
		}
		if p.Deposited != nil && !p.Deposited.After(d) {
			parties++
		}
	}
	return signatories, parties
}
