package discover

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"hanoiwatch/diff"
)

// Topic is what discovery looks for: a set of keywords in any language. A text matches
// when it contains one of them as whole words, compared case-insensitively after Unicode
// NFC normalisation, and failing that with all diacritics removed from both sides, so that
// "Cong uoc Ha Noi" (a title typed without accents, or a URL slug) finds "Công ước Hà Nội"
// and "Convention de Hanoi" finds "Convention de Hanoï".
//
// A Topic built with NewTopic has its keywords prepared once; a literal Topic{Keywords: k}
// works too, at the cost of preparing them on every Match.
type Topic struct {
	Keywords []string

	forms []keyword // prepared by NewTopic
}

// keyword is one keyword in the two forms texts are compared in.
type keyword struct {
	text   string // as given, to say which keyword matched
	exact  string // normalized: NFC, lower case, words separated by single spaces, padded with spaces
	folded string // exact without diacritics
}

// NewTopic returns the topic of the keywords. Keywords with no letter or digit are dropped:
// they would match everything.
func NewTopic(keywords []string) *Topic {
	return &Topic{Keywords: keywords, forms: prepare(keywords)}
}

// Match reports whether the text mentions the topic.
func (t *Topic) Match(text string) bool {
	_, ok := t.Find(text)
	return ok
}

// Find returns the first keyword the text mentions: keywords are tried in order with their
// diacritics first, then all of them without, so that an exact mention wins over a
// look-alike.
func (t *Topic) Find(text string) (string, bool) {
	forms := t.forms
	if forms == nil {
		forms = prepare(t.Keywords)
	}
	if len(forms) == 0 {
		return "", false
	}
	n := normalize(text)
	for _, k := range forms {
		if strings.Contains(n, k.exact) {
			return k.text, true
		}
	}
	f := fold(n)
	for _, k := range forms {
		if strings.Contains(f, k.folded) {
			return k.text, true
		}
	}
	return "", false
}

func prepare(keywords []string) []keyword {
	forms := make([]keyword, 0, len(keywords))
	for _, k := range keywords {
		n := normalize(k)
		if strings.TrimSpace(n) == "" {
			continue
		}
		forms = append(forms, keyword{text: k, exact: n, folded: fold(n)})
	}
	return forms
}

// normalize puts a text in the form keywords are compared in: NFC (feeds and pages mix
// precomposed and decomposed Vietnamese), lower case, every run of characters that are not
// letters, digits or combining marks turned into one space, and a space at each end so that
// " hanoi convention " matches whole words only.
func normalize(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// fold removes the diacritics of a normalized text.
func fold(s string) string { return diff.Fold(s) }
