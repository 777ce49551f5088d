package treaty

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

var (
	// ErrUnavailable is returned for the Treaty Collection's maintenance page ("… is
	// undergoing urgent maintenance and is currently unavailable"): try again later, and
	// change nothing meanwhile.
	ErrUnavailable = errors.New("treaty: status currently unavailable (site maintenance)")
	// ErrMalformed wraps every other failure to read a status: broken XML, no participants
	// table, a cell that is not a date. The message names the row and cell.
	ErrMalformed = errors.New("treaty: malformed status")
)

// Parse reads a status from an HTTP body of either form: HTML when the body looks like an HTML
// page (or, failing a clear look, when the content type says so), else XML. A maintenance
// page gives ErrUnavailable, anything else unreadable an error wrapping ErrMalformed; on error
// the Status is always zero, so that no count can come from a failed reading.
func Parse(body []byte, contentType string) (Status, error) {
	if looksHTML(body, contentType) {
		return ParseHTML(body)
	}
	return ParseXML(body)
}

// ParseXML reads the XML status document (see the package comment for what it relies on).
func ParseXML(body []byte) (Status, error) {
	s, err := parseXML(toUTF8(body))
	if err != nil {
		return Status{}, failure(body, err)
	}
	return s, nil
}

// ParseHTML reads the participants table and counts of the HTML status page.
func ParseHTML(body []byte) (Status, error) {
	s, err := parseHTML(toUTF8(body))
	if err != nil {
		return Status{}, failure(body, err)
	}
	return s, nil
}

// failure turns a failed reading of a maintenance page into ErrUnavailable. The marks are
// looked for only once reading failed: a real status that happened to mention them is read.
func failure(body []byte, err error) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", ErrMalformed)
	}
	low := bytes.ToLower(body)
	for _, m := range []string{"is currently unavailable", "urgent maintenance"} {
		if bytes.Contains(low, []byte(m)) {
			return ErrUnavailable
		}
	}
	return err
}

func looksHTML(body []byte, contentType string) bool {
	head := bytes.ToLower(body[:min(len(body), 2048)])
	switch {
	case bytes.Contains(head, []byte("<!doctype html")), bytes.Contains(head, []byte("<html")):
		return true
	case bytes.HasPrefix(bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\uFEFF"))), []byte("<?xml")):
		return false
	}
	return strings.Contains(strings.ToLower(contentType), "html")
}

// toUTF8 drops a byte-order mark and reads a body that is not valid UTF-8 as Windows-1252:
// the status XML has been published declaring ISO-8859-1, and no Latin-1 name ("Côte",
// "Türkiye") is valid UTF-8 by accident, so validity tells the two apart better than a
// declaration that may be stale.
func toUTF8(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	if utf8.Valid(b) {
		return b
	}
	u, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return b
	}
	return u
}

// footnoteElems hold footnote markers inside a cell; their text is not part of the cell.
var footnoteElems = map[string]bool{"superscript": true, "sup": true, "footnote": true, "footnoteref": true, "noteref": true}

func parseXML(body []byte) (Status, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity // &nbsp; &eacute; … in hand-edited documents
	// The body is UTF-8 by now whatever the document declares (see toUTF8).
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	// Depths of the open elements that matter; 0 when not open. The decoder is strict, so
	// every end tag closes the element at the current depth.
	var depth, part, head, row, entry, skip, status, count int
	var done bool // the first <Participants> was read; later ones are other tables
	var cell, statusText, countText strings.Builder
	var countName string
	var cells, header []string
	var rows [][]string
	sig, par := -1, -1

	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Status{}, fmt.Errorf("%w: xml: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			switch {
			case part > 0:
				switch {
				case entry > 0:
					if skip == 0 && footnoteElems[name] {
						skip = depth
					}
				case row > 0:
					if name == "entry" {
						entry = depth
						cell.Reset()
					}
				case name == "row":
					row, cells = depth, nil
				case name == "thead":
					head = depth
				}
			case name == "participants" && !done:
				part = depth
			case status > 0:
				if count == 0 && (name == "signatories" || name == "parties") {
					count, countName = depth, name
					countText.Reset()
				}
			case name == "status":
				status = depth
				statusText.Reset()
			}
		case xml.CharData:
			if entry > 0 && skip == 0 {
				cell.Write(t)
			}
			if status > 0 {
				statusText.Write(t)
				if count > 0 {
					countText.Write(t)
				}
			}
		case xml.EndElement:
			switch depth {
			case skip:
				skip = 0
			case entry:
				cells = append(cells, cell.String())
				entry = 0
			case row:
				if head > 0 {
					if header == nil {
						header = cells
					}
				} else {
					rows = append(rows, cells)
				}
				row = 0
			case head:
				head = 0
			case part:
				part, done = 0, true
			case count:
				if n, ok := firstInt(countText.String()); ok {
					if countName == "signatories" {
						sig = n
					} else {
						par = n
					}
				}
				count = 0
			case status:
				// "Signatories : 72. Parties : 0." as text, when not given as elements.
				if n, ok := countIn(statusText.String(), "signatories", false); ok && sig < 0 {
					sig = n
				}
				if n, ok := countIn(statusText.String(), "parties", false); ok && par < 0 {
					par = n
				}
				status = 0
			}
			depth--
		}
	}
	if !done {
		return Status{}, fmt.Errorf("%w: no <Participants> table in the XML", ErrMalformed)
	}
	return build(header, rows, sig, par, "xml")
}

func parseHTML(body []byte) (Status, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return Status{}, fmt.Errorf("%w: html: %v", ErrMalformed, err)
	}
	var header []string
	var rows [][]string
	var visit func(*html.Node) bool
	visit = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.Table {
			trs := tableRows(n)
			for i, tr := range trs {
				if isHeader(tr) {
					header = tr
					rows = trs[i+1:]
					return true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if visit(c) {
				return true
			}
		}
		return false
	}
	if !visit(doc) {
		return Status{}, fmt.Errorf("%w: no participants table in the HTML", ErrMalformed)
	}
	text := nodeText(doc)
	sig, ok := countIn(text, "signatories", true)
	if !ok {
		sig = -1
	}
	par, ok := countIn(text, "parties", true)
	if !ok {
		par = -1
	}
	return build(header, rows, sig, par, "html")
}

// tableRows returns the cell texts of the rows of table t, not of tables nested in it.
func tableRows(t *html.Node) [][]string {
	var rows [][]string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Table:
				continue
			case atom.Tr:
				var cells []string
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
						cells = append(cells, nodeText(td))
					}
				}
				rows = append(rows, cells)
			default:
				walk(c)
			}
		}
	}
	walk(t)
	return rows
}

func isHeader(cells []string) bool {
	var name, sig bool
	for _, c := range cells {
		c = strings.ToLower(cleanCell(c))
		name = name || c == "participant" || c == "participants"
		sig = sig || strings.Contains(c, "signature")
	}
	return name && sig
}

// nodeText is the text of n without footnote markers, scripts and styles; a <br> is a space.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Sup, atom.Script, atom.Style:
				return
			case atom.Br, atom.Td, atom.Th, atom.Tr, atom.P, atom.Div:
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

var (
	intRE        = regexp.MustCompile(`\d+`)
	countRE      = map[string]*regexp.Regexp{}
	countColonRE = map[string]*regexp.Regexp{}
)

func init() {
	for _, w := range []string{"signatories", "parties"} {
		countRE[w] = regexp.MustCompile(`(?i)\b` + w + `\s*:?\s*(\d+)`)
		countColonRE[w] = regexp.MustCompile(`(?i)\b` + w + `\s*:\s*(\d+)`)
	}
}

func firstInt(s string) (int, bool) {
	m := intRE.FindString(s)
	if m == "" {
		return 0, false
	}
	n, err := strconv.Atoi(m)
	return n, err == nil
}

// countIn finds "Signatories : 72" in s; on a whole HTML page the colon is required, so that
// "States Parties 2024" in a note is not read as a count.
func countIn(s, word string, colon bool) (int, bool) {
	re := countRE[word]
	if colon {
		re = countColonRE[word]
	}
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// build turns the table's cells into a Status. sig and par are the header counts, -1 when
// not published.
func build(header []string, rows [][]string, sig, par int, source string) (Status, error) {
	nameCol, sigCol, insCol := columns(header)
	seen := make(map[string]bool, len(rows))
	var ps []Participant
	for i, cells := range rows {
		get := func(c int) string {
			if c >= 0 && c < len(cells) {
				return cells[c]
			}
			return ""
		}
		if strings.TrimSpace(cleanCell(strings.Join(cells, ""))) == "" {
			continue
		}
		name := cleanName(get(nameCol))
		if low := strings.ToLower(name); low == "participant" || low == "participants" {
			continue // the header row repeated in the body
		}
		if name == "" {
			return Status{}, fmt.Errorf("%w: row %d: dates without a participant name", ErrMalformed, i+1)
		}
		if seen[name] {
			return Status{}, fmt.Errorf("%w: %s is listed twice", ErrMalformed, name)
		}
		seen[name] = true
		p := Participant{Name: name}
		d, suffix, err := parseCell(get(sigCol))
		if err != nil {
			return Status{}, fmt.Errorf("%w: %s: signature: %v", ErrMalformed, name, err)
		}
		if suffix != "" {
			return Status{}, fmt.Errorf("%w: %s: signature %q has an instrument letter", ErrMalformed, name, cleanCell(get(sigCol)))
		}
		p.Signed = d
		d, suffix, err = parseCell(get(insCol))
		if err != nil {
			return Status{}, fmt.Errorf("%w: %s: instrument: %v", ErrMalformed, name, err)
		}
		if d != nil {
			p.Deposited, p.Instrument = d, instruments[suffix]
		}
		ps = append(ps, p)
	}
	Sort(ps)
	s := Status{Participants: ps, Source: source}
	ns, np := s.AsOf(Date{Y: 9999, M: 12, D: 31})
	s.Signatories, s.Parties = ns, np
	if sig >= 0 {
		s.Signatories = sig
	}
	if par >= 0 {
		s.Parties = par
	}
	if len(ps) == 0 && s.Signatories+s.Parties > 0 {
		// A header with counts over an empty table is a truncated or broken document, not a
		// status in which everybody withdrew.
		return Status{}, fmt.Errorf("%w: the header counts %d signatories and %d parties but the table is empty", ErrMalformed, s.Signatories, s.Parties)
	}
	return s, nil
}

var instruments = map[string]Instrument{"": Ratification, "A": Acceptance, "AA": Approval, "a": Accession}

// columns finds the participant, signature and instrument columns by their titles; without
// titles they are the first three, in that order. A column that is not there is -1.
func columns(header []string) (name, sig, ins int) {
	name, sig, ins = -1, -1, -1
	for i, h := range header {
		h = strings.ToLower(cleanCell(h))
		switch {
		case strings.Contains(h, "participant"):
			name = i
		case strings.Contains(h, "signature"):
			sig = i
		case strings.Contains(h, "ratification"), strings.Contains(h, "acceptance"),
			strings.Contains(h, "approval"), strings.Contains(h, "accession"):
			ins = i
		}
	}
	if name < 0 && sig < 0 && ins < 0 {
		return 0, 1, 2
	}
	return name, sig, ins
}

var (
	// Footnote markers escaped into the text: "United States of America<superscript>7</superscript>".
	escapedNoteRE = regexp.MustCompile(`(?is)<\s*(superscript|sup)\b[^>]*>.*?<\s*/\s*(superscript|sup)\s*>`)
	tagRE         = regexp.MustCompile(`<[^<>]*>`)
	// Bare footnote numbers after a name ("Iran (Islamic Republic of)2", "Bolivia 1,3"): no
	// participant's name ends in a digit.
	trailingNoteRE = regexp.MustCompile(`\s*\d+(\s*,\s*\d+)*$`)
	dateRE         = regexp.MustCompile(`^(\d{1,2})\s*([A-Za-z]+)\.?\s*,?\s*(\d{4})\s*(AA|A|a)?$`)
	apostrophes    = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u02BC", "'", "\u00B4", "'")
)

// cleanCell drops footnote markup and collapses white space (tabs, no-break spaces included).
func cleanCell(s string) string {
	if strings.Contains(s, "<") {
		s = escapedNoteRE.ReplaceAllString(s, "")
		s = tagRE.ReplaceAllString(s, "")
	}
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', '\u00A0', '\u2007', '\u202F', '\u2009', '\u200B', '\u3000', '\u0085':
		return true
	}
	return false
}

func cleanName(s string) string {
	s = trailingNoteRE.ReplaceAllString(cleanCell(s), "")
	return norm.NFC.String(apostrophes.Replace(s))
}

// parseCell reads "25 Oct 2025", "25 October 2025", "[20 Jan 2021 A]", "12 Mar 2026 a": the
// date and the suffix letter, if any. An empty cell gives a nil date.
func parseCell(s string) (*Date, string, error) {
	s = strings.TrimSpace(strings.Trim(cleanCell(s), "[]"))
	if s == "" {
		return nil, "", nil
	}
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return nil, "", fmt.Errorf("%q is not a date such as \"25 Oct 2025\" with an optional A, AA or a", s)
	}
	day, _ := strconv.Atoi(m[1])
	year, _ := strconv.Atoi(m[3])
	month := monthOf(m[2])
	if month == 0 || year < 1900 || year > 2200 || day < 1 || day > daysIn(month, year) {
		return nil, "", fmt.Errorf("%q is not a valid date", s)
	}
	return &Date{Y: year, M: month, D: day}, m[4], nil
}

// monthOf reads an English month name or abbreviation of at least three letters ("Oct",
// "October", "Sept").
func monthOf(w string) time.Month {
	w = strings.ToLower(w)
	if len(w) < 3 {
		return 0
	}
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), w) {
			return m
		}
	}
	return 0
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
