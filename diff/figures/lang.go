package figures

import (
	"slices"
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

// guessLangs are the languages guessWords knows, in a fixed order for counting.
var guessLangs = []string{"en", "fr", "de", "es", "pt", "it", "nl", "vi"}

// segment is a run of the sentences of a line written in one language.
type segment struct {
	start, end int
	li         langInfo
}

// languages returns the line cut into runs of sentences by language when some of its
// sentences are written in another language than the page's (a quotation, an excerpt: "72
// pays ont signé. « More than 2,500 delegates attended », a-t-il dit."), so that their
// numbers are read by their own language's rules; nil when the whole line reads as li.
// A sentence is in another language when it holds at least two of that language's
// frequent words and more than of the page's.
func (x *Extractor) languages(line string, toks []token, li langInfo) []segment {
	var total [8]int
	words := 0
	for _, t := range toks {
		if t.k != kWord {
			continue
		}
		words++
		if l := guessIndex(line[t.s:t.e]); l >= 0 {
			total[l]++
		}
	}
	own := slices.Index(guessLangs, li.code)
	other := false
	for l, n := range total {
		if l != own && n >= 2 && (own < 0 || n > total[own]/2) {
			other = true
		}
	}
	if !other || words < 4 {
		return nil
	}
	var segs []segment
	for _, sp := range quoteSpans(line, sentenceSpans(line)) {
		var c [8]int
		for _, t := range tokenize(line[sp[0]:sp[1]], nil) {
			if t.k == kWord {
				if l := guessIndex(line[sp[0]+t.s : sp[0]+t.e]); l >= 0 {
					c[l]++
				}
			}
		}
		code, best := li.code, 1
		if own >= 0 {
			best = max(best, c[own])
		}
		for l, n := range c {
			if l != own && n > best {
				code, best = guessLangs[l], n
			}
		}
		if k := len(segs) - 1; k >= 0 && segs[k].li.code == code {
			segs[k].end = sp[1]
			continue
		}
		sli := li
		if code != li.code {
			sli = infoFor(code, "")
		}
		segs = append(segs, segment{start: sp[0], end: sp[1], li: sli})
	}
	if len(segs) == 1 && segs[0].li.code == li.code {
		return nil
	}
	return segs
}

// quoteSpans cuts sentence spans further at quotation marks, which may hold words in
// another language than the sentence around them: before an opening mark, after a closing one.
func quoteSpans(line string, spans [][2]int) [][2]int {
	var out [][2]int
	for _, sp := range spans {
		start := sp[0]
		for i, r := range line[sp[0]:sp[1]] {
			at := sp[0] + i
			cut := -1
			switch r {
			case '«', '“':
				cut = at
			case '»', '”':
				cut = at + utf8.RuneLen(r)
			}
			if cut > start && cut < sp[1] {
				out = append(out, [2]int{start, cut})
				start = cut
			}
		}
		out = append(out, [2]int{start, sp[1]})
	}
	return out
}

// guessIndex returns the index in guessLangs of the language whose frequent word w is, or -1.
func guessIndex(w string) int {
	l, ok := guessWords[w]
	if !ok && len(w) <= 8 {
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) || hasCombining(w) {
			l, ok = guessWords[lowerNFC(w)]
		}
	}
	if !ok {
		return -1
	}
	return slices.Index(guessLangs, l)
}

// extractSegments appends the claims of a line read in runs of sentences of different
// languages (see languages); the claims keep their place in the line.
func (x *Extractor) extractSegments(out []Claim, line string, n int, segs []segment, st *textState) []Claim {
	for _, sg := range segs {
		sub := line[sg.start:sg.end]
		first := len(out)
		st.toks = tokenize(sub, st.toks)
		out = x.extractLine(out, sub, n, st.toks, sg.li, st)
		for k := first; k < len(out); k++ {
			out[k].Start += sg.start
			out[k].End += sg.start
		}
	}
	return out
}
