package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// clean turns a run of page text into one canonical paragraph: NFC, whitespace runs collapsed to
// one space, invisible characters dropped, trimmed.
//
// U+00A0 and U+202F (and the figure space U+2007) are kept as they are: French and Vietnamese
// write figures as "2 500" with them, and turning them into plain spaces would make a figure
// look like two numbers to whatever reads the text downstream. A run that mixes them with
// ordinary whitespace keeps them and drops the ordinary whitespace around them.
func clean(s string) string {
	if strings.Contains(s, "\uFDD0"[:2]) { // the first two bytes of U+FDD0–U+FDD2: a hidden hard space
		s = softSpaces.Replace(s)
	}
	s = nfc(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false // an ordinary whitespace run is pending
	hard := false  // the last rune written was a kept hard space
	for i := 0; i < len(s); {
		// Byte by byte through ASCII, most of most pages; rune by rune through the rest.
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v':
			space = true
		case r < utf8.RuneSelf:
			if space && !hard && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteByte(byte(r))
			space, hard = false, false
		case r == '\u00a0' || r == '\u202f' || r == '\u2007':
			b.WriteRune(r)
			space, hard = false, true
		case unicode.IsSpace(r):
			space = true
		case r == '\u200b' || r == '\ufeff' || r == '\u00ad' || r == '\u2060':
			// Zero-width space, BOM, soft hyphen, word joiner: invisible, and CMSs add or drop
			// them at will.
		default:
			if space && !hard && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space, hard = false, false
		}
	}
	return strings.TrimFunc(b.String(), unicode.IsSpace)
}

// nfc returns s in Unicode normalization form C. Text below U+0300, where the combining
// marks begin, is always in it, and is most text; norm's own check reads every byte through
// its tables.
func nfc(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xcc { // a lead byte of U+0300 or above
			return norm.NFC.String(s)
		}
	}
	return s
}

// The hard spaces are hidden from the article extractor as noncharacters (U+FDD0–U+FDD2, reserved for internal use) while it
// runs: it folds every Unicode space into a plain one, and "2 500" would lose its
// no-break space. clean puts them back.
var (
	hardSpaces = strings.NewReplacer("\u00a0", "\ufdd0", "\u202f", "\ufdd1", "\u2007", "\ufdd2")
	softSpaces = strings.NewReplacer("\ufdd0", "\u00a0", "\ufdd1", "\u202f", "\ufdd2", "\u2007")
)

// squash reduces text to its lower-cased letters and digits. It is the key used to recognise
// the same paragraph in different renderings (the extractor's output, the DOM, a lead that
// differs only in punctuation or spacing).
func squash(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	squashTo(&b, s)
	return b.String()
}

// squashTo writes the squash of s to b.
func squashTo(b *strings.Builder, s string) {
	s = nfc(s)
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf { // ASCII, most of most pages
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				b.WriteByte(c)
			} else if 'A' <= c && c <= 'Z' {
				b.WriteByte(c + 'a' - 'A')
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
}

// words counts the words of s; a run of CJK ideographs or kana counts one word per character,
// since those scripts write no spaces.
func words(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if l := c | 0x20; 'a' <= l && l <= 'z' || '0' <= c && c <= '9' { // an ASCII letter or digit
				if !in {
					n++
				}
				in = true
			} else {
				in = false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isCJK(r):
			n++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !in {
				n++
			}
			in = true
		default:
			in = false
		}
	}
	return n
}

// isCJK reports whether r is written without spaces between words (Han, kana).
func isCJK(r rune) bool {
	// Below U+2E80 (CJK radicals) no rune is Han or kana: most text never reaches the tables.
	return r >= 0x2e80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}
