// Package figures extracts the numeric claims of an article text ("plus de 2 500 délégués",
// "72 quốc gia", "3 % du PIB") and tells which of them changed between two versions of the
// text. It is a pure leaf: no I/O, nothing from the rest of hanoiwatch.
//
// # Reading numbers
//
// A number is read as a reader of the page's language reads it. In decimal-comma languages
// (fr, de, es, pt, cs, it, vi, nl, pl, ru, tr, id, ro, sk, hu and a few more) "." groups
// thousands only before groups of exactly three digits ("2.500" = 2500, "12.5" = 12.5), ","
// is the decimal mark ("3,5" = 3.5) except in "1,234,567". Elsewhere (en, zh, ...) "," groups
// thousands and "." is the decimal mark. In every language thousands may be grouped by a
// space, U+00A0 or U+202F ("2 500"). An empty language is guessed from the text's frequent
// words.
//
// Percentages get Unit "%" ("3 %", "3%", "3 per cent"), amounts the ISO code of their currency
// ("$5", "100 000 VND", "8,4 milliards de dollars"). Scale words are folded into Value:
// "2,3 milliards" is 2.3e9, "1.5 million" 1.5e6, "tỷ" 1e9, "triệu" 1e6, "nghìn" 1e3, "万" 1e4;
// Raw keeps the digits as written. Small numbers written as words ("deux", "two", "hai") and
// collective numerals ("une centaine de" = about 100) are claims too.
//
// # What is not a figure
//
// Every free-standing number is a claim, even "3" or "12", except:
//   - numbers glued to letters: names and codes ("COVID-19", "G20", "A320", "post1072855"),
//     ordinals ("80e", "1er", "50th", "16e rang", Vietnamese "thứ 5"), times ("14h30"), "24h/24",
//     "7j/7"; a few unit suffixes may be glued ("10km", "5bn", "100.000đ");
//   - numbers in or after "/" or ":" ("26/10/2025", "7/32", "10:45"), after "#", "@", "=", "&";
//   - years: a 4-digit number from 1900 to 2099 without separators ("en 2025", "2019-2020");
//   - numbers with several dots or a wrong grouping ("13.1.2", "192.168.1.1"), numbers with more
//     than 15 digits, numbers after a version word ("iOS 13.1", "Windows 10"), phone numbers
//     ("+84 24 3825 1234", "0912 345 678", after "Tél."), numbers inside URLs.
//
// Some numbers are returned but marked with a Kind, because a reader does not take them for
// figures although an edit of them is still a change of the article: days of a month ("25
// octobre", "Oct. 25", "25 et 26 octobre", "ngày 25", "15. März") are "date"; years outside
// 1900-2099 after "en", "in", "năm" and decades ("les années 90") are "year"; times ("15 Uhr",
// "14 h 30", "24 heures sur 24") are "time"; numbers naming something ("Résolution 57",
// "article 5", "Điều 5", "số 3", "No. 12", "Photo 1") are "ref". Compare reports such a claim
// only when its value was edited in place, never as added or removed; a caller listing the
// figures of a text skips claims with a Kind (see Claim.IsFigure).
//
// # Comparing versions
//
// Compare aligns the claims of two versions as multisets: identical claims cancel out, then
// claims of the same value (moved, or whose sentence was reworded), then the remaining removed
// and added claims are paired by subject and by the similarity of their sentences with numbers
// masked; what is left was added or removed.
package figures

import (
	"sort"
	"strings"
)

// Claim is one numeric claim found in a text.
type Claim struct {
	Value     float64 // as a reader of the language reads it ("2 500" fr = 2500, "2.500" vi = 2500, "3,5 %" = 3.5), scale words folded in
	Raw       string  // the number as written, e.g. "2 500" (with its original no-break space)
	Unit      string  // "%" for percentages, an ISO currency code where present, a glued unit ("km"), else ""
	Subject   string  // the noun phrase it counts, as written, lower-cased: "pays signataires", "délégués", "quốc gia", "countries"
	Key       string  // canonical subject key from the Subjects table, or "" (always "" for a part, see Scope)
	Scope     string  // "" for a total; "part" for a sub-count (a region's, the plenary's, "21 of the 72", "another 19")
	PartOf    string  // for a part, the key of the total it is a part of ("signatories"), when known
	Qualifier string  // "plus de", "près de", "au moins", "hơn", "gần", "ít nhất", "more than", "nearly", "at least", "up to"... or ""
	Sentence  string  // the sentence it stands in
	Line      int     // line index in the text
	Start     int     // byte offset of Raw within its line
	End       int     // byte offset of the end of Raw within its line
	Kind      string  // "" for a figure; "date", "year", "time" or "ref" for a number that is not one (see the package doc)
}

// IsFigure reports whether the claim is a figure rather than a date, year, time or reference number.
func (c Claim) IsFigure() bool { return c.Kind == "" }

// Subject is one canonical subject: the words that name what its figures count, and how a
// count of something else becomes one of its figures. Only Key and Phrases are required.
type Subject struct {
	Key      string
	Phrases  []string // nouns naming what a figure counts, after it ("72 signataires", "2,500 delegates", "110 đoàn")
	Measures []string // nouns naming the figure itself, before it ("le seuil de 40", "the threshold of 40", "ngưỡng 40")
	Acts     []string // words of the act that makes a count of one of By a figure of this subject ("65 pays ont signé", "ratifiée par 40 pays", "72 signed")
	By       []string // keys of the subjects whose counts the acts turn into this subject ("countries", "delegations")
	Needs    string   // the key whose figure, said with one of Cues, is still required: then it is this subject ("doit être ratifiée par 40 pays")
	Cues     []string // the words saying so ("doit", "needs", "cần", "seuil", "entry into force")
	Ordinals bool     // an ordinal above the first of Needs names this subject ("la quarantième ratification", "the 40th instrument")
	Unit     string   // the unit its figures have: "" for counts (the default), "%" for percentages, or a currency code
}

// Extractor extracts claims; safe for concurrent use (it is never modified after New).
type Extractor struct {
	subjects []*compiledSubject
	byKey    map[string]*compiledSubject
	index    [nLists][nForms]map[string][]entry // the phrases of each list by their first word, in each form
	vocab    map[string]bool                    // the first three bytes of every folded word of the subjects table: a word not starting so is never stemmed
	quals    map[string][][]string              // qualifier phrases (as words) by their last word
	percents map[string][][]string              // percent phrases by their first word
}

// New returns an Extractor that names subjects with the given table (see Subject and
// assign): a phrase names its subject as well in any inflected form of the language of the
// page where a stemmer serves (French and English); where two phrases match, the longer one
// wins, then the subject first in table order.
func New(subjects []Subject) *Extractor {
	x := &Extractor{quals: map[string][][]string{}, percents: map[string][][]string{}, vocab: map[string]bool{}}
	x.compileSubjects(subjects)
	for _, q := range qualifiers {
		w := lowerWords(q)
		last := w[len(w)-1]
		x.quals[last] = append(x.quals[last], w)
	}
	for _, ws := range x.quals { // longest first, so "pas moins de" wins over "moins de"
		sort.SliceStable(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
	}
	for _, p := range percentWords {
		w := lowerWords(p)
		x.percents[w[0]] = append(x.percents[w[0]], w)
	}
	return x
}

// lowerWords splits a phrase of the word lists into lower-case NFC words, as tokenize reads them.
func lowerWords(p string) []string {
	var out []string
	for _, t := range tokenize(p, nil) {
		if t.k != kSpace {
			out = append(out, lowerNFC(p[t.s:t.e]))
		}
	}
	return out
}

// Extract returns the claims of text in order of position. lang is a BCP-47-ish tag ("fr",
// "vi-VN"); "" guesses the language from the text. Extract never panics, whatever the input
// (invalid UTF-8 included).
func (x *Extractor) Extract(text, lang string) []Claim {
	li := infoFor(lang, text)
	st := states.Get().(*textState)
	defer st.release()
	var out []Claim
	var buf []token
	var header []string        // the column headers of the table whose rows are being read
	var before, caption string // the line before the table; the table's caption, when that line is one
	inTable := false
	for n, start := 0, 0; start <= len(text); n++ {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		line := text[start:end]
		start = end + 1
		if cells := strings.Split(line, cellSep); len(cells) > 1 {
			if !inTable {
				inTable, caption = true, ""
				if isCaption(before) {
					caption = before
				}
			}
			if header == nil && !strings.ContainsAny(line, "0123456789") {
				header = cells
				continue
			}
			out = x.extractRow(out, line, n, cells, header, caption, li, st)
			continue
		}
		header, inTable, before = nil, false, line
		if !hasCandidate(line, li) {
			continue
		}
		buf = tokenize(line, buf)
		if segs := x.languages(line, buf, li); segs != nil {
			out = x.extractSegments(out, line, n, segs, st)
			continue
		}
		out = x.extractLine(out, line, n, buf, li, st)
	}
	return out
}

// isCaption reports a line that may be a table's caption: a short title (twelve words at
// most) without digits or a closing full stop, not a sentence of the article.
func isCaption(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && len(strings.Fields(t)) <= 12 && !strings.ContainsAny(t, "0123456789") &&
		!strings.HasSuffix(t, ".") && !strings.HasSuffix(t, ":")
}

// cellSep separates the cells of a table row in an article's text (see watcher/extract):
// "Châu Phi | 21".
const cellSep = " | "

// extractRow appends the claims of the cells of a table row. A cell's figure is read with
// its row's first cell, the table's caption and its column's header before it, as a
// sentence would say it ("Châu Phi | 21" under "Khu vực | Số nước ký" reads as "Châu Phi
// Số nước ký 21": 21 countries signed, in Africa: a part; under "Khu vực | Số lượng" with
// the caption "Số nước ký theo khu vực" the caption names what is counted). The claims keep their place in the row's line, and
// the row as their sentence.
func (x *Extractor) extractRow(out []Claim, line string, n int, cells, header []string, caption string, li langInfo, st *textState) []Claim {
	if len(header) != len(cells) {
		header = nil
	}
	at := 0
	for j, cell := range cells {
		pos := at
		at += len(cell) + len(cellSep)
		if !hasCandidate(cell, li) {
			continue
		}
		var ctx []string
		if j > 0 && !strings.ContainsAny(cells[0], "0123456789") {
			ctx = append(ctx, cells[0])
		}
		if caption != "" {
			ctx = append(ctx, caption)
		}
		if header != nil {
			ctx = append(ctx, header[j])
		}
		prefix := strings.Join(ctx, " ")
		if prefix != "" {
			prefix += " "
		}
		synth := prefix + cell
		first := len(out)
		st.toks = tokenize(synth, st.toks)
		out = x.extractLine(out, synth, n, st.toks, li, st)
		kept := first
		for _, c := range out[first:] {
			if c.Start < len(prefix) {
				continue // a number of the headers: read with its own cell
			}
			c.Start += pos - len(prefix)
			c.End += pos - len(prefix)
			c.Sentence = strings.TrimSpace(line)
			out[kept] = c
			kept++
		}
		out = out[:kept]
	}
	return out
}

// hasCandidate reports whether a line may hold a claim: a digit, or a word that may be a
// spelled number. Most lines of an article have neither, and a byte scan is much cheaper
// than tokenizing them.
func hasCandidate(line string, li langInfo) bool {
	for i := 0; i < len(line); {
		c := line[i]
		if c >= '0' && c <= '9' {
			return true
		}
		if c < 0x80 && c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80 {
			j := i + 1
			for j < len(line) && (line[j] >= 0x80 || line[j]|0x20 >= 'a' && line[j]|0x20 <= 'z') {
				j++
			}
			if li.spelled != nil && isNumberWord(line[i:j]) {
				return true
			}
			i = j
			continue
		}
		i++
	}
	return false
}
