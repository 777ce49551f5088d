package figures

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// dropped is the Kind of a number that is no claim at all (a code, a year, a phone number...).
const dropped = "-"

// ordinalKind is what classify says of a Vietnamese ordinal ("văn kiện thứ 40"): a figure
// while it names a subject (see assign).
const ordinalKind = "ordinal"

// extractLine appends the claims of one line, tokenized in toks.
func (x *Extractor) extractLine(out []Claim, line string, n int, toks []token, li langInfo, st *textState) []Claim {
	first := len(out)
	r := &reader{x: x, line: line, toks: toks, f: formOf(li.code), st: st}
	var ms []claimMeta
	for i := 0; i < len(toks); i++ {
		switch toks[i].k {
		case kDigits:
			c, m, next, ok := x.number(r, i, li)
			if ok {
				out = append(out, c)
				ms = append(ms, m)
			}
			if next > i {
				i = next - 1
			}
		case kWord:
			if c, m, next, ok := x.wordNumber(r, i, li); ok {
				out = append(out, c)
				ms = append(ms, m)
				if next > i {
					i = next - 1
				}
			}
		}
	}
	if len(out) == first {
		return out
	}
	spans := sentenceSpans(line)
	s := 0
	for k := first; k < len(out); k++ {
		for s+1 < len(spans) && spans[s][1] <= out[k].Start {
			s++
		}
		out[k].Line = n
		out[k].Sentence = strings.TrimSpace(line[spans[s][0]:spans[s][1]])
		// the second day of "October 25-26", "25 and 26 October" written the English way
		if k > first && out[k].Kind == "" && out[k-1].Kind == "date" && out[k].Value >= 1 && out[k].Value <= 31 &&
			out[k].Value == math.Trunc(out[k].Value) && dayLinks[strings.TrimSpace(line[out[k-1].End:out[k].Start])] {
			out[k].Kind = "date"
		}
	}
	r.assign(out[first:], ms, spans)
	kept := first
	for k := first; k < len(out); k++ {
		if !ms[k-first].drop {
			out[kept] = out[k]
			kept++
		}
	}
	return out[:kept]
}

// isGroupSpace reports a single space that may group thousands: " ", U+00A0, U+202F, U+2009.
func isGroupSpace(t token) bool {
	return t.k == kSpace && (t.r == ' ' || t.r == 0xA0 || t.r == 0x202F || t.r == 0x2009) &&
		t.e-t.s == utf8.RuneLen(t.r)
}

// number reads the number starting at the digits token i. It returns the claim, where it
// stands, the index of the first token after the number, and whether the number is a claim.
func (x *Extractor) number(r *reader, i int, li langInfo) (Claim, claimMeta, int, bool) {
	line, toks := r.line, r.toks
	var m claimMeta
	if end := phoneEnd(line, toks, i); end > i {
		return Claim{}, m, end, false
	}
	// Gather digit groups greedily: a grouping space only between a group of 1-3 digits and
	// groups of exactly 3; "." and "," between any groups, validated by interpret.
	parts := []string{line[toks[i].s:toks[i].e]}
	var seps []rune
	j := i
	for j+2 < len(toks) && toks[j+2].k == kDigits {
		sep, nx := toks[j+1], toks[j+2]
		if isGroupSpace(sep) {
			if len(seps) > 0 && seps[len(seps)-1] != ' ' || len(parts[0]) > 3 || nx.e-nx.s != 3 {
				break
			}
			seps = append(seps, ' ')
		} else if sep.k == kOther && (sep.r == '.' || sep.r == ',') {
			seps = append(seps, sep.r)
		} else {
			break
		}
		parts = append(parts, line[nx.s:nx.e])
		j += 2
	}
	next := j + 1
	intDigits, frac, ok := interpret(parts, seps, li.decComma)
	if !ok {
		return Claim{}, m, next, false
	}
	c := Claim{Start: toks[i].s, End: toks[j].e}
	neg := false

	// Glue before: letters make a name or a code ("G20", "COVID-19"), some signs a date, a
	// ratio, a time or a URL part ("26/10", "10:45", "#1").
	if i > 0 {
		p := toks[i-1]
		pk := kSpace
		if i > 1 {
			pk = toks[i-2].k
		}
		switch p.k {
		case kWord:
			if !isApostrophe(lastRune(line[p.s:p.e])) {
				return Claim{}, m, next, false
			}
		case kURL:
			return Claim{}, m, next, false
		case kOther:
			switch p.r {
			case '/', '\\', '#', '@', '=', '&', '_', '^', '|', '~', '§':
				return Claim{}, m, next, false
			case ':', '.', ',':
				if pk == kDigits || pk == kWord || pk == kCJK && p.r == ':' {
					return Claim{}, m, next, false
				}
			case '-', '−', '–', '‑':
				if pk == kWord {
					return Claim{}, m, next, false
				}
				if pk != kDigits && p.r != '–' {
					neg = true
					c.Start = p.s
				}
			}
		}
	}
	// Glue after: letters make an ordinal, a time or a code ("80e", "14h30", "5G") unless they
	// are a unit ("10km", "5bn"); "/" or ":" and a digit make a date, a ratio or a time.
	suffix := ""
	if next < len(toks) {
		q := toks[next]
		var qq token
		if next+1 < len(toks) {
			qq = toks[next+1]
		}
		switch q.k {
		case kWord:
			suffix = lowerNFC(line[q.s:q.e])
			switch {
			case ordinalSuffixes[suffix] && len(seps) == 0 && frac == "":
				m.ordinal, suffix = true, "" // "40e", "40th", "1er": kept while it may name a subject (see assign)
			case !unitSuffixes[suffix]:
				return Claim{}, m, next, false
			}
			next++
		case kURL:
			return Claim{}, m, next, false
		case kOther:
			switch q.r {
			case '/', ':':
				if qq.k == kDigits && next+1 < len(toks) {
					return Claim{}, m, next, false
				}
			case '.', ',':
				// "1.2.3", "08008.HK", "80.º": a code, a ticker or an ordinal
				if next+1 < len(toks) && (qq.k == kDigits || qq.k == kWord && q.r == '.') {
					return Claim{}, m, next, false
				}
			}
		}
	}
	if len(seps) == 0 && frac == "" && len(intDigits) == 4 && (intDigits[:2] == "19" || intDigits[:2] == "20") {
		return Claim{}, m, next, false // a year
	}
	c.Raw = line[c.Start:c.End]

	kind := x.classify(line, toks, i, next, intDigits, len(seps) == 0 && frac == "")
	switch kind {
	case dropped:
		return Claim{}, m, next, false
	case ordinalKind:
		m.ordinal, kind = true, ""
	}
	c.Kind = kind

	exp, after := 0, next
	switch suffix {
	case "":
	case "bn", "mn", "tn", "mio", "mrd":
		exp = scaleWords[suffix]
	case "m", "k":
		if currencyBefore(line, toks, i) != "" {
			exp = scaleWords[suffix]
		} else {
			c.Unit = suffix
		}
	case "đ", "vnđ":
		c.Unit = "VND"
	case "usd", "eur":
		c.Unit = strings.ToUpper(suffix)
	default:
		c.Unit = suffix
	}
	unit, e2, after := x.unitAfter(line, toks, after, li, currencyBefore(line, toks, i) != "")
	exp += e2
	if unit != "" {
		c.Unit = unit
	}
	if c.Unit == "" {
		c.Unit = currencyBefore(line, toks, i)
	}
	v, ok := buildValue(intDigits, frac, exp, neg)
	if !ok {
		return Claim{}, m, next, false
	}
	c.Value = v
	m.num, m.next = firstOfNumber(line, toks, i), next
	c.Qualifier = x.qualifier(line, toks, m.num)
	r.describe(&c, &m, after)
	return c, m, next, true
}

// lastRune returns the last rune of s.
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// interpret turns digit groups and their separators into integer and fractional digits, by
// the rules of the language (see the package doc); ok is false for what is no number
// ("13.1.2", "1,2,3" lists, "2.500,5" in an English text).
func interpret(parts []string, seps []rune, decComma bool) (intDigits, frac string, ok bool) {
	k := 0
	for k < len(seps) && seps[k] == ' ' {
		k++
	}
	intDigits = strings.Join(parts[:k+1], "")
	rest, rs := parts[k+1:], seps[k:]
	if len(rs) == 0 {
		return intDigits, "", lengthOK(intDigits, "")
	}
	if k > 0 { // "1 234,5", "1 234.5": after grouping spaces only a decimal mark may follow
		if len(rs) != 1 || (!decComma && rs[0] == ',') {
			if !decComma && allSep(rs, ',') && allLen3(rest) {
				return intDigits + strings.Join(rest, ""), "", lengthOK(intDigits+strings.Join(rest, ""), "")
			}
			return "", "", false
		}
		return intDigits, rest[0], lengthOK(intDigits, rest[0])
	}
	first := parts[0]
	n := len(rs)
	if decComma {
		switch {
		case allSep(rs, '.') && allLen3(rest) && len(first) <= 3: // "2.500", "1.234.567"
			intDigits = first + strings.Join(rest, "")
		case n >= 2 && allSep(rs[:n-1], '.') && rs[n-1] == ',' && allLen3(rest[:n-1]) && len(first) <= 3: // "7.612,52"
			intDigits, frac = first+strings.Join(rest[:n-1], ""), rest[n-1]
		case n >= 2 && allSep(rs, ',') && allLen3(rest) && len(first) <= 3: // "1,234,567"
			intDigits = first + strings.Join(rest, "")
		case n == 1: // "3,5", "12.5"
			intDigits, frac = first, rest[0]
		case allSep(rs[:n-1], ',') && rs[n-1] == '.' && allLen3(rest[:n-1]) && len(first) <= 3: // "1,234.5" written the English way
			intDigits, frac = first+strings.Join(rest[:n-1], ""), rest[n-1]
		default:
			return "", "", false
		}
		return intDigits, frac, lengthOK(intDigits, frac)
	}
	switch {
	case allSep(rs, ','): // "2,300", "1,234,567"; a lone "1,5" groups too, as "," groups in these languages
		if n >= 2 && !allLen3(rest) {
			return "", "", false // "1,2,3": a list
		}
		intDigits = first + strings.Join(rest, "")
	case allSep(rs[:n-1], ',') && rs[n-1] == '.': // "27,934.02", "12.5"
		intDigits, frac = first+strings.Join(rest[:n-1], ""), rest[n-1]
		if n >= 2 && !allLen3(rest[:n-1]) {
			return "", "", false
		}
	default:
		return "", "", false
	}
	return intDigits, frac, lengthOK(intDigits, frac)
}

// allSep reports whether every separator is r.
func allSep(seps []rune, r rune) bool {
	for _, s := range seps {
		if s != r {
			return false
		}
	}
	return true
}

// allLen3 reports whether every group has exactly three digits.
func allLen3(parts []string) bool {
	for _, p := range parts {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

// lengthOK rejects numbers too long to be figures (identifiers, hashes).
func lengthOK(intDigits, frac string) bool {
	return len(strings.TrimLeft(intDigits, "0")) <= 15 && len(frac) <= 15
}

// buildValue parses the digits with the scale exponent in one step, so that "8,4 milliards"
// is exactly 8.4e9 rather than 8.4 × 1e9 rounded twice.
func buildValue(intDigits, frac string, exp int, neg bool) (float64, bool) {
	s := intDigits
	if s == "" {
		s = "0"
	}
	if frac != "" {
		s += "." + frac
	}
	if exp != 0 {
		s += "e" + strconv.Itoa(exp)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// phoneEnd returns the index of the token after a phone number starting at the digits token
// i, or i when there is none: a run of digit groups with 8 digits or more that starts with
// "+", "(" or "0", or with 9 digits or more in 4 groups or more that do not group thousands.
func phoneEnd(line string, toks []token, i int) int {
	lead := toks[i].e-toks[i].s >= 2 && line[toks[i].s] == '0'
	if i > 0 && toks[i-1].k == kOther && (toks[i-1].r == '+' || toks[i-1].r == '(') {
		lead = true
	}
	digits, groups, thousands, j := 0, 0, true, i
	for k := i; k < len(toks) && groups < 12; {
		t := toks[k]
		if t.k != kDigits {
			break
		}
		n := t.e - t.s
		if groups == 0 && n > 3 || groups > 0 && n != 3 {
			thousands = false
		}
		digits += n
		groups++
		j = k + 1
		// a separator: one space, ".", "-", or ")" / "(" with an optional space
		k++
		if k < len(toks) && toks[k].k == kOther && (toks[k].r == ')' || toks[k].r == '(') {
			k++
		}
		if k < len(toks) && (isGroupSpace(toks[k]) || toks[k].k == kOther && (toks[k].r == '.' || toks[k].r == '-')) {
			k++
		}
	}
	plus := i > 0 && toks[i-1].k == kOther && toks[i-1].r == '+'
	if lead && digits >= 8 && groups >= 2 && (plus || !thousands) || groups >= 4 && digits >= 9 && !thousands {
		return j
	}
	return i
}

// firstOfNumber returns the index of the first token of a number's prefix: a sign and a
// currency sign before it ("-5", "$5", "US$ 5").
func firstOfNumber(line string, toks []token, i int) int {
	k := i
	if k > 0 && toks[k-1].k == kOther && (toks[k-1].r == '-' || toks[k-1].r == '−' || toks[k-1].r == '+') &&
		(k < 2 || toks[k-2].k != kDigits && toks[k-2].k != kWord) {
		k--
	}
	if j := currencyStart(line, toks, k); j >= 0 {
		k = j
	}
	return k
}

// currencyStart returns the index of a currency sign or code just before token k ("$5",
// "€ 5", "US$5", "USD 5"), or -1.
func currencyStart(line string, toks []token, k int) int {
	j := k - 1
	if j >= 0 && toks[j].k == kSpace {
		j--
	}
	if j < 0 {
		return -1
	}
	t := toks[j]
	if t.k == kOther {
		if _, ok := currencySymbols[t.r]; ok {
			if t.r == '$' && j > 0 && toks[j-1].k == kWord {
				if _, ok := dollarPrefixes[lowerNFC(line[toks[j-1].s:toks[j-1].e])]; ok {
					return j - 1
				}
			}
			return j
		}
	}
	if t.k == kWord && t.e-t.s == 3 && j < k-1 { // an ISO code, with a space before the number
		w := line[t.s:t.e]
		if strings.ToUpper(w) == w {
			if _, ok := currencyWords[strings.ToLower(w)]; ok {
				return j
			}
		}
	}
	return -1
}

// currencyBefore returns the ISO code of a currency written before the number at token i.
func currencyBefore(line string, toks []token, i int) string {
	k := i
	if k > 0 && toks[k-1].k == kOther && (toks[k-1].r == '-' || toks[k-1].r == '−' || toks[k-1].r == '+') {
		k--
	}
	j := currencyStart(line, toks, k)
	if j < 0 {
		return ""
	}
	t := toks[j]
	if t.k == kWord {
		w := lowerNFC(line[t.s:t.e])
		if code, ok := dollarPrefixes[w]; ok && j+1 < len(toks) && toks[j+1].r == '$' {
			return code
		}
		return currencyWords[w]
	}
	return currencySymbols[t.r]
}

// skipSpace returns the first index at or after k that is not a space token.
func skipSpace(toks []token, k int) int {
	for k < len(toks) && toks[k].k == kSpace {
		k++
	}
	return k
}

// wordAt returns the lower-cased word at token k, or "" when k is not a word.
func wordAt(line string, toks []token, k int) string {
	if k < 0 || k >= len(toks) || toks[k].k != kWord {
		return ""
	}
	return lowerNFC(line[toks[k].s:toks[k].e])
}

// unitAfter reads what follows a number from token k: a percent sign or word, scale words,
// a currency. It returns the unit, the scale exponent and the index of the first token after
// them. Where there is nothing, it returns k itself, so the subject starts right there.
func (x *Extractor) unitAfter(line string, toks []token, k int, li langInfo, currency bool) (string, int, int) {
	j := skipSpace(toks, k)
	if j >= len(toks) {
		return "", 0, k
	}
	t := toks[j]
	if t.k == kOther && (t.r == '%' || t.r == '‰') {
		return string(t.r), 0, j + 1
	}
	if t.k == kWord {
		w := lowerNFC(line[t.s:t.e])
		for _, p := range x.percents[w] {
			if end, ok := matchForward(line, toks, j, p); ok {
				return "%", 0, end
			}
		}
	}
	// scale words, possibly several ("mil millones", "nghìn tỷ")
	exp, end := 0, k
	for n := 0; n < 3; n++ {
		j = skipSpace(toks, end)
		if j >= len(toks) {
			break
		}
		t = toks[j]
		if t.k == kCJK {
			if e, ok := cjkScales[t.r]; ok {
				exp += e
				end = j + 1
				continue
			}
			break
		}
		w := wordAt(line, toks, j)
		e, ok := scaleWords[w]
		if !ok || (w == "m" || w == "k") && !currency {
			break
		}
		if w == "billion" || w == "billions" {
			e = li.billion
		}
		exp += e
		end = j + 1
		if end < len(toks) && toks[end].k == kOther && toks[end].r == '.' && (w == "mio" || w == "mrd" || w == "mds") {
			end++
		}
	}
	// a currency: "dollars", "USD", "€", "đồng", "de dollars", "d'euros", "美元"
	j = skipSpace(toks, end)
	joined := false
	if w := wordAt(line, toks, j); joiners[w] && w != "des" && w != "dos" && w != "das" {
		j = skipSpace(toks, j+1)
		joined = true
	}
	if j < len(toks) {
		t = toks[j]
		switch t.k {
		case kOther:
			if code, ok := currencySymbols[t.r]; ok && t.r != '$' {
				return code, exp, j + 1
			}
		case kCJK:
			if t.r == '美' && j+1 < len(toks) && toks[j+1].r == '元' {
				return "USD", exp, j + 2
			}
			if t.r == '欧' && j+1 < len(toks) && toks[j+1].r == '元' {
				return "EUR", exp, j + 2
			}
			if code, ok := currencySymbols[t.r]; ok {
				return code, exp, j + 1
			}
		case kWord:
			if code, ok := currencyWords[lowerNFC(line[t.s:t.e])]; ok {
				return code, exp, j + 1
			}
		}
	}
	if exp > 0 && joined && j < len(toks) {
		return "", exp, j // "28 millions d'habitants": the subject is "habitants"
	}
	return "", exp, end
}

// matchForward matches the words of phrase from token j on, spaces between them.
func matchForward(line string, toks []token, j int, phrase []string) (int, bool) {
	for n, w := range phrase {
		if n > 0 {
			j = skipSpace(toks, j)
		}
		if j >= len(toks) || lowerNFC(line[toks[j].s:toks[j].e]) != w {
			return 0, false
		}
		j++
	}
	return j, true
}

// prevWord is a word before a number, nearest first.
type prevWord struct {
	w   string // lower-cased NFC
	idx int    // token index
	dot bool   // followed by a full stop ("No.", "oct.")
}

// prevWords returns up to n words before token k, nearest first, across spaces and the full
// stop of an abbreviation, stopping at other punctuation.
func prevWords(line string, toks []token, k, n int) []prevWord {
	var out []prevWord
	j := k - 1
	for j >= 0 && len(out) < n {
		switch t := toks[j]; t.k {
		case kSpace:
			j--
		case kWord:
			out = append(out, prevWord{w: lowerNFC(line[t.s:t.e]), idx: j})
			j--
		case kOther:
			if t.r == '.' && len(out) == 0 && j > 0 && toks[j-1].k == kWord {
				out = append(out, prevWord{w: lowerNFC(line[toks[j-1].s:toks[j-1].e]), idx: j - 1, dot: true})
				j -= 2
				continue
			}
			return out
		default:
			return out
		}
	}
	return out
}

// isMonth reports a month name, spelled or abbreviated, as written at token k, after a day
// number ("25 octobre", "25 Oct.", "15. März").
func isMonth(line string, toks []token, k int, w string, dot bool) bool {
	if w == "" {
		return false
	}
	if capMonths[w] {
		return isCapital(line[toks[k].s:toks[k].e]) || dot && monthAbbrevs[w]
	}
	return months[w] || dot && monthAbbrevs[w]
}

// monthBefore reports a month written before a day number, the English way ("October 25",
// "Oct. 25"): only capitalised English names, or abbreviations with a full stop, so that
// "en mars 25 pays" stays a figure.
func monthBefore(line string, toks []token, k int, w string, dot bool) bool {
	return dot && monthAbbrevs[w] || (englishMonths[w] || capMonths[w]) && isCapital(line[toks[k].s:toks[k].e])
}

// isCapital reports a word starting with an upper-case letter.
func isCapital(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// sameDigits reports a digits token reading d ("24 heures sur 24").
func sameDigits(line string, t token, d string) bool {
	return t.k == kDigits && line[t.s:t.e] == d
}

// classify tells a figure ("") from a date, year, time or reference number, or a number that
// is no claim at all (dropped), from the words around the number at tokens i..next-1.
func (x *Extractor) classify(line string, toks []token, i, next int, intDigits string, plain bool) string {
	start := firstOfNumber(line, toks, i)
	pw := prevWords(line, toks, start, 3)
	small := plain && len(intDigits) <= 2
	if len(pw) > 0 {
		w0 := pw[0]
		w1 := ""
		if len(pw) > 1 {
			w1 = pw[1].w
		}
		switch {
		case versionWords[w0.w], phoneWords[w0.w], w0.w == "x" && w1 == "os":
			return dropped
		case w0.w == "thứ":
			return ordinalKind
		case (w0.w == "h" || w0.w == "giờ") && small && w0.idx > 0 && toks[skipBack(toks, w0.idx-1)].k == kDigits:
			return "time" // the minutes of "8 h 30", "8 giờ 30"
		case w0.w == "ngày" || w0.w == "tháng" || w0.w == "quý":
			return "date"
		case w0.w == "năm" && plain:
			return "year"
		case w0.w == "lúc":
			return "time"
		case w0.w == "số":
			if w1 != "con" && w1 != "tổng" && w1 != "một" && w1 != "nhiều" && w1 != "trong" {
				return "ref"
			}
		case viRefTwo[w1+" "+w0.w]:
			return "ref"
		case w0.w == "no" || w0.w == "p" || w0.w == "pp" || w0.w == "art" || w0.w == "fig" || w0.w == "nr":
			if w0.dot || w0.w == "no" && line[toks[w0.idx].s] == 'N' || w0.w == "art" {
				return "ref"
			}
		case refWords[w0.w]:
			return "ref"
		case small && monthBefore(line, toks, w0.idx, w0.w, w0.dot):
			return "date" // "Oct. 25", "October 25"
		case yearPreps[w0.w] && plain && len(intDigits) == 4:
			return "year"
		case decadeWords[w0.w] && plain && len(intDigits) == 2:
			return "year"
		case timeSur[w0.w] && len(pw) > 1 && timeUnits[w1] && pw[1].idx > 0 && sameDigits(line, toks[skipBack(toks, pw[1].idx-1)], intDigits):
			return "time" // the second 24 of "24 heures sur 24"
		}
	}
	// "n° 12", "nº12"
	if start > 0 && toks[start-1].k == kOther && (toks[start-1].r == '°' || toks[start-1].r == 'º') ||
		start > 1 && toks[start-1].k == kSpace && toks[start-2].k == kOther && toks[start-2].r == '°' {
		return "ref"
	}
	// Chinese and Japanese dates and times: "10月14日", "2016年", "7时"
	if next < len(toks) && toks[next].k == kCJK && strings.ContainsRune("年月日号號时時点點分", toks[next].r) && plain {
		return "date"
	}
	// what follows: a month ("25 octobre", "15. März", "25 et 26 octobre", "25 tháng 10"), a time
	j := next
	if small && j < len(toks) && toks[j].k == kOther && toks[j].r == '.' {
		j++ // German day: "15. März"
	}
	j = skipSpace(toks, j)
	w := wordAt(line, toks, j)
	if small {
		for hops := 0; hops < 4 && j < len(toks); hops++ {
			if isMonth(line, toks, j, w, j+1 < len(toks) && toks[j+1].r == '.') {
				return "date"
			}
			if w == "tháng" && skipSpace(toks, j+1) < len(toks) && toks[skipSpace(toks, j+1)].k == kDigits {
				return "date"
			}
			if w == "de" { // "15 de marzo"
				k := skipSpace(toks, j+1)
				if wk := wordAt(line, toks, k); isMonth(line, toks, k, wk, false) {
					return "date"
				}
				break
			}
			// a connector and another day: "25 et 26 octobre", "25-26 octobre", "25, 26"
			isConn := dateConnectors[w] || toks[j].k == kOther && (toks[j].r == '-' || toks[j].r == '–' || toks[j].r == ',')
			if !isConn {
				break
			}
			k := skipSpace(toks, j+1)
			if k >= len(toks) || toks[k].k != kDigits || toks[k].e-toks[k].s > 2 {
				break
			}
			j = k + 1
			if j < len(toks) && toks[j].k == kOther && toks[j].r == '.' {
				j++
			}
			j = skipSpace(toks, j)
			w = wordAt(line, toks, j)
		}
		j = skipSpace(toks, next)
		w = wordAt(line, toks, j)
		switch {
		case w == "uhr" || w == "pm":
			return "time"
		case w == "h" || w == "giờ":
			return "time" // "14 h 30", "à 15 h", "de 7 h à 23 h", "từ 7 giờ đến 22 giờ"
		case (w == "a" || w == "p") && j+2 < len(toks) && toks[j+1].r == '.' && wordAt(line, toks, j+2) == "m":
			return "time" // "3 p.m."
		}
	}
	// "24 heures sur 24", "7 jours sur 7"
	if timeUnits[w] {
		k := skipSpace(toks, j+1)
		if timeSur[wordAt(line, toks, k)] || k < len(toks) && toks[k].k == kOther && toks[k].r == '/' {
			if k2 := skipSpace(toks, k+1); k2 < len(toks) && sameDigits(line, toks[k2], intDigits) {
				return "time"
			}
		}
	}
	return ""
}

// skipBack returns the first index at or before k that is not a space token (0 at worst).
func skipBack(toks []token, k int) int {
	for k > 0 && toks[k].k == kSpace {
		k--
	}
	if k < 0 {
		return 0
	}
	return k
}

// qualifier returns the qualifier just before token k ("plus de", "hơn", "at least"), as
// written and lower-cased.
func (x *Extractor) qualifier(line string, toks []token, k int) string {
	if k > 0 && toks[k-1].k == kCJK {
		// Chinese: "大约3000万", "超过100"
		start := k - 1
		for start > 0 && toks[start-1].k == kCJK && k-start < 3 {
			start--
		}
		before := line[toks[start].s:toks[k-1].e]
		for _, q := range cjkQualifiers {
			if strings.HasSuffix(before, q) {
				return q
			}
		}
		return ""
	}
	pw := prevWords(line, toks, k, 4)
	if len(pw) == 0 || pw[0].dot {
		return ""
	}
	for _, q := range x.quals[pw[0].w] {
		if len(q) > len(pw) {
			continue
		}
		ok := true
		for n := range q {
			if pw[n].w != q[len(q)-1-n] {
				ok = false
				break
			}
		}
		if ok {
			first := toks[pw[len(q)-1].idx]
			return strings.ToLower(line[first.s:toks[pw[0].idx].e])
		}
	}
	return ""
}

// describe fills a claim's Subject from the words after token after, and records in m the
// word tokens of its subject window (the noun phrase, then a few more words), which assign
// reads. A Vietnamese ordinal's noun stands before it ("văn kiện phê chuẩn thứ 40").
func (r *reader) describe(c *Claim, m *claimMeta, after int) {
	line, toks := r.line, r.toks
	if m.ordinal && r.f == formVi {
		r.describeBefore(c, m)
		return
	}
	j := skipSpace(toks, after)
	if j < len(toks) && toks[j].k == kCJK && j == after {
		// Chinese, Japanese: the characters after the number, up to a punctuation or a digit
		k := j
		for k < len(toks) && toks[k].k == kCJK && k-j < 8 {
			m.subj = append(m.subj, k)
			k++
		}
		m.subjLen = min(len(m.subj), 4)
		if m.subjLen > 0 {
			c.Subject = line[toks[j].s:toks[j+m.subjLen-1].e]
		}
		return
	}
	content, joins, stopped := 0, 0, false
	subjStart, subjEnd := -1, -1
	k := j
	for ; k < len(toks) && len(m.subj) < 9; k++ {
		t := toks[k]
		if t.k == kSpace {
			continue
		}
		if t.k != kWord {
			break
		}
		w := lowerNFC(line[t.s:t.e])
		m.subj = append(m.subj, k)
		if stopped {
			continue
		}
		switch {
		case subjectStops[w] && !(joiners[w] && content > 0):
			stopped = true
			continue
		case joiners[w]:
			if joins == 1 {
				stopped = true
				continue
			}
			joins++
		default:
			content++
		}
		if subjStart < 0 {
			subjStart = t.s
		}
		if !joiners[w] {
			subjEnd = t.e
			m.subjLen = len(m.subj)
		}
		if content == 4 {
			stopped = true
		}
	}
	// Adjectives in a list before their noun: "150 international, regional and private
	// organizations". Followed only while the words so far name no subject.
	if !stopped && k < len(toks) && toks[k].k == kOther && toks[k].r == ',' && m.subjLen > 0 && r.nounKey(m, k, c.Unit) == nil {
		if end, ws := r.listNoun(k, c.Unit); end >= 0 {
			m.subj = append(m.subj[:m.subjLen], ws...)
			m.subjLen = len(m.subj)
			subjEnd = toks[end].e
		}
	}
	if subjStart >= 0 && subjEnd > subjStart {
		c.Subject = strings.ToLower(line[subjStart:subjEnd])
	}
}

// listNoun follows a list of adjectives from the "," at token k ("international, regional
// and private organizations") to a noun that names a subject, at most six words on; it
// returns the index of that noun's last word and the word tokens after k up to it, or -1.
func (r *reader) listNoun(k int, unit string) (int, []int) {
	var ws []int
	for n := 0; n < 6 && k < len(r.toks); k++ {
		t := r.toks[k]
		switch {
		case t.k == kSpace || t.k == kOther && t.r == ',':
			continue
		case t.k != kWord:
			return -1, nil
		}
		ws = append(ws, k)
		n++
		if s, end := r.nameAt(k, len(r.toks), unit); s != nil {
			for j := r.nextWord(k, len(r.toks)); j >= 0 && j <= end; j = r.nextWord(j, len(r.toks)) {
				ws = append(ws, j)
			}
			return end, ws
		}
		if w := r.low(k); subjectStops[w] && !listConjunctions[w] {
			return -1, nil
		}
	}
	return -1, nil
}

// describeBefore reads the noun phrase before a Vietnamese ordinal's "thứ": up to four
// syllables back, to a function word or a punctuation mark.
func (r *reader) describeBefore(c *Claim, m *claimMeta) {
	j := r.prevWordIdx(m.num) // "thứ"
	var ws []int
	for k := r.prevWordIdx(j); k >= 0 && len(ws) < 4 && !subjectStops[r.low(k)]; k = r.prevWordIdx(k) {
		ws = append([]int{k}, ws...)
	}
	m.subj, m.subjLen, m.anyPos = ws, len(ws), true
	if len(ws) > 0 {
		c.Subject = strings.ToLower(r.line[r.toks[ws[0]].s:r.toks[ws[len(ws)-1]].e])
	}
}

// wordNumber reads a number written in words at token i: a cardinal or an ordinal, simple
// or compound ("deux", "Sixty-four", "quatre-vingt-dix", "a hundred", "fortieth",
// "quarantième"), or a collective numeral ("une centaine de"). It returns the claim, where
// it stands, the first token after the number, and whether there is one.
func (x *Extractor) wordNumber(r *reader, i int, li langInfo) (Claim, claimMeta, int, bool) {
	line, toks := r.line, r.toks
	var m claimMeta
	t := toks[i]
	raw := line[t.s:t.e]
	// Most words are no number: look them up as written before lower-casing anything.
	if !isNumberWord(raw) {
		return Claim{}, m, i, false
	}
	w := lowerNFC(raw)
	start, end, next := t.s, t.e, i+1
	v, ord, ok := spelledNumber(w, li.code)
	qual := ""
	switch {
	case ok && scaleNumbers[w] && !ord:
		// "a hundred", "one thousand": only after an article or "one"
		p := r.prevWordIdx(i)
		if p < 0 || !scaleArticles[r.low(p)] {
			return Claim{}, m, i, false
		}
		start = toks[p].s
		i = p
	case ok:
		// "two hundred", "trois mille"
		if k := r.nextWord(i, len(toks)); k >= 0 && !ord {
			if sv, sord, sok := spelledNumber(r.low(k), li.code); sok && scaleNumbers[r.low(k)] {
				v, ord, end, next = v*sv, sord, toks[k].e, k+1
			}
		}
	default:
		cv, isColl := collectives[w]
		if !isColl {
			return Claim{}, m, i, false
		}
		pw := prevWords(line, toks, i, 1)
		k := skipSpace(toks, i+1)
		if len(pw) == 0 || !indefinites[pw[0].w] || !joiners[wordAt(line, toks, k)] {
			return Claim{}, m, i, false
		}
		v, qual = cv, about[li.code]
		if qual == "" {
			qual = "about"
		}
	}
	if raw != w && !sentenceStart(line, toks, i) && start == t.s {
		return Claim{}, m, i, false // "Deux" only at a sentence start; German nouns are capitalised
	}
	if i > 0 && toks[i-1].k == kOther && (toks[i-1].r == '-' || toks[i-1].r == '.') {
		return Claim{}, m, i, false
	}
	k := next
	if k >= len(toks) || toks[k].k != kSpace || skipSpace(toks, k) >= len(toks) || toks[skipSpace(toks, k)].k != kWord {
		if !ord || v < 2 {
			return Claim{}, m, i, false // a number word is followed by what it counts: "sept." is September
		}
	}
	if pw := prevWords(line, toks, i, 2); len(pw) > 0 && (pw[0].w == "thứ" || pw[0].w == "lần") {
		return Claim{}, m, i, false
	}
	c := Claim{Raw: line[start:end], Start: start, End: end, Qualifier: qual}
	unit, exp, after := x.unitAfter(line, toks, next, li, false)
	c.Unit = unit
	c.Value, ok = buildValue(strconv.FormatFloat(v, 'f', -1, 64), "", exp, false)
	if !ok {
		return Claim{}, m, i, false
	}
	if c.Qualifier == "" {
		c.Qualifier = x.qualifier(line, toks, i)
	}
	if qual != "" { // "une centaine de plans": the subject follows "de"
		after = skipSpace(toks, after) + 1
	}
	m.num, m.next, m.ordinal = i, next, ord
	r.describe(&c, &m, after)
	return c, m, next, true
}

// hasCombining reports combining diacritics (U+0300-U+036F): a decomposed word must be
// composed before it is looked up.
func hasCombining(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0xCC || s[i] == 0xCD {
			return true
		}
	}
	return false
}

// sentenceStart reports a token that opens its line or follows the end of a sentence.
func sentenceStart(line string, toks []token, i int) bool {
	j := i - 1
	for j >= 0 && (toks[j].k == kSpace || toks[j].k == kOther && strings.ContainsRune("«\"“(—–-", toks[j].r)) {
		j--
	}
	return j < 0 || toks[j].k == kOther && strings.ContainsRune(".!?:;…", toks[j].r)
}
