package diff

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold strips the diacritics of a text, for comparisons that must not depend on them
// ("Hanoï" and "Hanoi", "Công ước" and "Cong uoc"): the marks of the decomposed form are
// dropped, and the letters that are not a base letter plus a mark are mapped by hand
// (Vietnamese đ above all). Case is kept.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r == 'ø':
			b.WriteByte('o')
		case r == 'ł':
			b.WriteByte('l')
		case r == 'Ł':
			b.WriteByte('L')
		case r == 'ı':
			b.WriteByte('i')
		case r == 'ß':
			b.WriteString("ss")
		case r == 'œ':
			b.WriteString("oe")
		case r == 'æ':
			b.WriteString("ae")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
