package figures

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// langInfo is what the reading of numbers depends on in a language.
type langInfo struct {
	code     string
	decComma bool               // "," is the decimal mark, "." groups thousands
	billion  int                // exponent of ten of the word "billion" (1e9 in English, 1e12 in French)
	spelled  map[string]float64 // small numbers written as words
}

// decCommaLangs write "3,5" for three and a half.
var decCommaLangs = set("fr", "de", "es", "pt", "cs", "it", "vi", "nl", "pl", "ru", "tr", "id", "ro",
	"sk", "hu", "ca", "gl", "eu", "da", "sv", "nb", "nn", "no", "fi", "el", "uk", "bg", "hr", "sr",
	"sl", "lt", "lv", "et", "az", "kk", "be", "is", "sq", "mk", "bs", "af")

// longScaleLangs call 1e12 "billion" ("billion", "Billion", "billón").
var longScaleLangs = set("fr", "de", "es", "it", "nl", "pl", "cs", "sk", "hu", "ro", "da", "sv",
	"nb", "nn", "no", "fi", "hr", "sl", "ca")

// infoFor returns the rules for a BCP-47-ish tag ("fr", "fr-FR", "vi_VN"); an empty or
// unusable tag makes the language guessed from the text.
func infoFor(lang, text string) langInfo {
	code := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	if code == "" || code == "und" || code == "mul" {
		code = guessLang(text)
	}
	li := langInfo{code: code, decComma: decCommaLangs[code], billion: 9, spelled: spelled[code]}
	if longScaleLangs[code] {
		li.billion = 12
	}
	return li
}

// guessWords are frequent short words of each language that the guesser counts.
var guessWords = map[string]string{
	"le": "fr", "les": "fr", "des": "fr", "du": "fr", "est": "fr", "une": "fr", "dans": "fr", "pour": "fr",
	"qui": "fr", "sur": "fr", "avec": "fr", "été": "fr", "aux": "fr", "cette": "fr", "ont": "fr",
	"the": "en", "and": "en", "of": "en", "to": "en", "is": "en", "that": "en", "for": "en", "with": "en",
	"was": "en", "have": "en", "are": "en", "from": "en", "this": "en", "which": "en", "said": "en",
	"der": "de", "die": "de", "und": "de", "ist": "de", "nicht": "de", "mit": "de", "den": "de",
	"von": "de", "sich": "de", "auf": "de", "für": "de", "dem": "de", "auch": "de", "wird": "de", "ein": "de",
	"el": "es", "los": "es", "las": "es", "del": "es", "y": "es", "por": "es", "una": "es", "con": "es",
	"para": "es", "fue": "es", "más": "es", "pero": "es", "sus": "es", "como": "es", "también": "es",
	"os": "pt", "do": "pt", "da": "pt", "dos": "pt", "das": "pt", "não": "pt", "uma": "pt", "em": "pt",
	"foi": "pt", "mais": "pt", "ao": "pt", "são": "pt", "pelo": "pt", "pela": "pt", "muito": "pt",
	"della": "it", "che": "it", "sono": "it", "questo": "it", "gli": "it", "delle": "it", "degli": "it",
	"het": "nl", "een": "nl", "van": "nl", "niet": "nl", "zijn": "nl", "voor": "nl", "ook": "nl", "wordt": "nl",
	"của": "vi", "và": "vi", "các": "vi", "những": "vi", "được": "vi", "là": "vi", "trong": "vi",
	"có": "vi", "cho": "vi", "với": "vi", "đã": "vi", "này": "vi", "người": "vi", "không": "vi",
}

// guessLang names the language of a text from its frequent words (its first 4 KB are enough),
// or "zh"/"ja" for a text mostly in Han or kana; "en" when nothing stands out.
func guessLang(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	counts := map[string]int{}
	var han, kana, letters int
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r2) || isCJK(r2) != isCJK(r) {
				break
			}
			if isCJK(r2) {
				if unicode.Is(unicode.Han, r2) {
					han++
				} else {
					kana++
				}
			}
			letters++
			j += s2
		}
		if j == i {
			j = i + size
		}
		if !isCJK(r) && j-i <= 8 {
			w := text[i:j]
			l, ok := guessWords[w] // most words are written in lower case: no copy then
			if !ok && (unicode.IsUpper(r) || hasCombining(w)) {
				l, ok = guessWords[lowerNFC(w)]
			}
			if ok {
				counts[l]++
			}
		}
		i = j
	}
	if letters > 0 && (han+kana)*3 > letters {
		if kana*5 > han {
			return "ja"
		}
		return "zh"
	}
	best, n := "en", 0
	for _, l := range []string{"en", "fr", "de", "es", "pt", "it", "nl", "vi"} {
		if counts[l] > n {
			best, n = l, counts[l]
		}
	}
	return best
}
