package extract

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzHTML feeds arbitrary bytes through Decode and HTML. Neither may panic (HTML recovers,
// so a recovered panic shows as an "internal error" and fails the test), and whatever comes
// out must be canonical text: valid UTF-8, NFC, no empty lines, the same on a second run.
// Seeds are in testdata/fuzz/FuzzHTML.
func FuzzHTML(f *testing.F) {
	f.Add([]byte(article("en", `<p class="chapo">A lead paragraph, long enough to count as one here.</p>`, "")), "")
	f.Add([]byte(`<html><body><article><h1>T</h1><p>a<br>b<table><tr><td>1<td>2</table></article>`), "article")
	f.Add([]byte("%PDF-1.4\n"), "")
	f.Add([]byte(`{"a":"<p>x</p>"}`), "p")
	f.Fuzz(func(t *testing.T, data []byte, sel string) {
		page, err := Decode(data, "")
		if err != nil {
			return
		}
		a, err := HTML(page, Options{Selector: sel})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("panic inside HTML: %v", err)
			}
			return
		}
		text := a.Text()
		if !utf8.ValidString(text) || !norm.NFC.IsNormalString(text) {
			t.Fatalf("Text not valid NFC UTF-8: %q", text)
		}
		if strings.Contains(text, "\n\n") || strings.HasPrefix(text, "\n") || strings.HasSuffix(text, "\n") {
			t.Fatalf("empty line in Text: %q", text)
		}
		b, err := HTML(page, Options{Selector: sel})
		if err != nil || b.Text() != text {
			t.Fatalf("second run differs: %v\n%q\n%q", err, text, b.Text())
		}
	})
}

// FuzzZone: on a line without digits, reZone finds and removes what reStamp does, so that
// isFurniture may use the small pattern there.
func FuzzZone(f *testing.F) {
	for _, s := range []string{"Mis à jour GMT+7", "Il est parti", "UTC - heure de Paris", "vues, commentaires", "ICT lúc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "0123456789") {
			return
		}
		if reStamp.MatchString(s) != reZone.MatchString(s) || reStamp.ReplaceAllString(s, " ") != reZone.ReplaceAllString(s, " ") {
			t.Fatalf("%q: reStamp and reZone differ", s)
		}
	})
}

// FuzzText holds clean, squash, words and nfc to their plain definitions, read rune by rune with
// norm doing all the normalisation, which they take shortcuts around.
func FuzzText(f *testing.F) {
	for _, s := range []string{"  2\u00a0500 délégués \n\t ont signé ", "Hà Nội\u0300 e\u0301 \u200b|\u00ad", "\xff\xfe a \u2028 b \u3000", "Ĳ ǅ ΐ Å Ω", "\ufdd0 1 000\ufdd1 x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := nfc(s), norm.NFC.String(s); got != want {
			t.Fatalf("nfc(%q) = %q, want %q", s, got, want)
		}
		if got, want := clean(s), cleanRunes(s); got != want {
			t.Fatalf("clean(%q) = %q, want %q", s, got, want)
		}
		if got, want := squash(s), squashRunes(s); got != want {
			t.Fatalf("squash(%q) = %q, want %q", s, got, want)
		}
		if got, want := words(s), wordsRunes(s); got != want {
			t.Fatalf("words(%q) = %d, want %d", s, got, want)
		}
	})
}

// cleanRunes is clean's definition.
func cleanRunes(s string) string {
	s = norm.NFC.String(softSpaces.Replace(s))
	var b strings.Builder
	space, hard := false, false
	for _, r := range s {
		switch {
		case r == '\u00a0' || r == '\u202f' || r == '\u2007':
			b.WriteRune(r)
			space, hard = false, true
		case unicode.IsSpace(r):
			space = true
		case r == '\u200b' || r == '\ufeff' || r == '\u00ad' || r == '\u2060':
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

// squashRunes is squash's definition.
func squashRunes(s string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// wordsRunes is words' definition.
func wordsRunes(s string) int {
	n, in := 0, false
	for _, r := range s {
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
