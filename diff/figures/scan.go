package figures

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"hanoiwatch/diff"
)

// tokKind is the class of a token of a line.
type tokKind uint8

const (
	kSpace  tokKind = iota // a run of white space
	kWord                  // letters and combining marks, with inner hyphens and apostrophes
	kDigits                // ASCII digits
	kCJK                   // one Han, kana or Hangul character: these scripts put no space around numbers
	kOther                 // one other character (punctuation, symbol, invalid byte)
	kURL                   // a URL: its numbers are never figures
)

// token is a span of a line: a line is read once into tokens, and everything about a number
// (glue, context, unit, subject) is decided by looking at its neighbouring tokens.
type token struct {
	s, e int
	k    tokKind
	r    rune // the first rune: the character of a kOther token, the space of a kSpace one
}

// isSpace reports white space, including the no-break spaces used to group thousands.
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0xA0 || r == 0x202F || r == 0x2009 ||
		(r > 0x7F && unicode.IsSpace(r))
}

// isCJK reports the scripts written without spaces, where a number glued to a character is
// still a free-standing number ("72个国家").
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r))
}

// isWordRune reports letters and combining marks (Vietnamese may come decomposed).
func isWordRune(r rune) bool {
	if r < 0x80 {
		return r|0x20 >= 'a' && r|0x20 <= 'z'
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.Is(unicode.M, r))
}

// isApostrophe reports the apostrophes news text uses.
func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// tokenize splits a line into tokens, appending to buf.
func tokenize(line string, buf []token) []token {
	toks := buf[:0]
	for i := 0; i < len(line); {
		c := line[i]
		if c >= '0' && c <= '9' {
			j := i + 1
			for j < len(line) && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			toks = append(toks, token{s: i, e: j, k: kDigits, r: rune(c)})
			i = j
			continue
		}
		r, size := rune(c), 1
		if c >= 0x80 {
			r, size = utf8.DecodeRuneInString(line[i:])
		}
		switch {
		case isSpace(r):
			j := i + size
			for j < len(line) {
				r2, s2 := utf8.DecodeRuneInString(line[j:])
				if !isSpace(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, token{s: i, e: j, k: kSpace, r: r})
			i = j
		case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && isURLStart(line[i:]):
			j := i
			for j < len(line) {
				r2, s2 := utf8.DecodeRuneInString(line[j:])
				if isSpace(r2) || isCJK(r2) || r2 == '"' || r2 == '<' || r2 == '>' || r2 == '»' || r2 == ')' {
					break
				}
				j += s2
			}
			toks = append(toks, token{s: i, e: j, k: kURL, r: r})
			i = j
		case isCJK(r):
			toks = append(toks, token{s: i, e: i + size, k: kCJK, r: r})
			i += size
		case isWordRune(r):
			j := scanWord(line, i)
			toks = append(toks, token{s: i, e: j, k: kWord, r: r})
			i = j
		default:
			toks = append(toks, token{s: i, e: i + size, k: kOther, r: r})
			i += size
		}
	}
	return toks
}

// isURLStart reports a URL at the start of s.
func isURLStart(s string) bool {
	if len(s) > 12 {
		s = s[:12]
	}
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.")
}

// scanWord returns the end of the word starting at i. A hyphen or an apostrophe between two
// letters stays inside the word ("Asie-Pacifique", "don't"), except a French or Italian
// elision, which ends the word so that "d'organisations" reads as "d'" + "organisations".
func scanWord(line string, i int) int {
	j := i
	for j < len(line) {
		if c := line[j]; c < 0x80 && c|0x20 >= 'a' && c|0x20 <= 'z' { // the common case, without decoding
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(line[j:])
		if r >= 0x80 && isWordRune(r) && !isCJK(r) {
			j += size
			continue
		}
		if r == '-' || isApostrophe(r) {
			r2, _ := utf8.DecodeRuneInString(line[j+size:])
			if j > i && isWordRune(r2) && !isCJK(r2) {
				if isApostrophe(r) && j-i <= 6 && elisions[strings.ToLower(line[i:j])] {
					return j + size
				}
				j += size
				continue
			}
		}
		break
	}
	if j == i { // cannot happen for a word rune; guards the loop in tokenize
		_, size := utf8.DecodeRuneInString(line[i:])
		j = i + size
	}
	return j
}

// lowerNFC lower-cases a word, composes it (decomposed Vietnamese compares equal to composed)
// and writes every apostrophe as "'", the form of the word lists.
func lowerNFC(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = strings.ToLower(s)
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if strings.ContainsAny(s, "’ʼ") {
		s = strings.NewReplacer("’", "'", "ʼ", "'").Replace(s)
	}
	return s
}

// fold lower-cases a word and strips its diacritics, as the subjects table is compared.
func fold(s string) string { return diff.Fold(lowerNFC(s)) }

// sentenceSpans splits a line into sentences: after ".", "!", "?" or "…" followed by a space
// and by something that is not a lower-case letter, unless the word before the full stop is
// an abbreviation ("M.", "No.", "oct."); after "。", "！", "？" always.
func sentenceSpans(line string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		end := -1
		switch r {
		case '。', '！', '？':
			end = i + size
		case '.', '!', '?', '…':
			j := i + size
			for j < len(line) && (line[j] == '.' || line[j] == '!' || line[j] == '?' || line[j] == '"' || line[j] == ')') {
				j++
			}
			size = j - i // a run of stops is looked at once, whatever follows it
			if j < len(line) {
				r2, _ := utf8.DecodeRuneInString(line[j:])
				if !isSpace(r2) {
					break
				}
				k := j
				for k < len(line) {
					r3, s3 := utf8.DecodeRuneInString(line[k:])
					if !isSpace(r3) {
						break
					}
					k += s3
				}
				if k < len(line) {
					r4, _ := utf8.DecodeRuneInString(line[k:])
					if unicode.IsLower(r4) {
						break
					}
				}
			}
			if r == '.' && isAbbrevBefore(line, i) {
				break
			}
			end = j
		}
		if end > 0 {
			out = append(out, [2]int{start, end})
			start = end
			i = end
			continue
		}
		i += size
	}
	if start < len(line) || len(out) == 0 {
		out = append(out, [2]int{start, len(line)})
	}
	return out
}

// isAbbrevBefore reports an abbreviation or an initial just before the full stop at i.
func isAbbrevBefore(line string, i int) bool {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(line[:j])
		if !isWordRune(r) {
			break
		}
		j -= size
	}
	if j == i {
		return false
	}
	w := line[j:i]
	if utf8.RuneCountInString(w) == 1 {
		return true // an initial: "M. Guterres", "J. Smith"
	}
	return sentenceAbbrevs[lowerNFC(w)]
}
