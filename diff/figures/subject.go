package figures

import (
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"

	"hanoiwatch/diff"
)

// Words are compared in one of these forms, by the language of the page: French and English
// words by their Snowball stem without diacritics ("signataires" and "signataire" are
// "signatair", "signed" and "signing" are "sign"), Vietnamese syllables as written,
// lower-cased (folding them would make "ký", to sign, equal "kỳ", a session), any other
// language's words lower-cased without diacritics.
const (
	formPlain = iota
	formFr
	formEn
	formVi
	nForms
)

// formOf returns the form index of a language code.
func formOf(code string) int {
	switch code {
	case "fr":
		return formFr
	case "en":
		return formEn
	case "vi":
		return formVi
	}
	return formPlain
}

// wordForm returns the form f of a lower-case NFC word. Words of four letters or fewer
// are not stemmed ("pays", "cas", "need"): the stemmers leave most of them as they are,
// and skipping them saves most of the stemming of a text.
func wordForm(w string, f int) string {
	if f != formVi && len(w) <= 5 && utf8.RuneCountInString(w) <= 4 {
		return diff.Fold(w)
	}
	switch f {
	case formFr:
		return diff.Fold(french.Stem(w, true))
	case formEn:
		return diff.Fold(english.Stem(w, true))
	case formVi:
		return w
	}
	return diff.Fold(w)
}

// phrase is a phrase of the subjects table as words, in each form.
type phrase struct {
	forms [nForms][]string
	bases [nForms][]map[string]bool // per word, what is left of it without diacritics once an ending of the form's language is cut off
}

// The lists of phrases of a subject.
const (
	listNames = iota
	listMeasures
	listActs
	listCues
	nLists
)

// entry is one phrase of one subject, in the index by first word.
type entry struct {
	s *compiledSubject
	p phrase
}

// compiledSubject is a Subject with its phrases compiled.
type compiledSubject struct {
	key                         string
	order                       int
	names, measures, acts, cues []phrase
	by                          map[string]bool
	needs                       string
	ordinals                    bool
	unit                        string
	needers                     []*compiledSubject // the subjects whose Needs is this one
	agentOf                     bool               // some subject lists this one in By
	isNeed                      bool               // Needs is set
}

// compileSubjects compiles the subjects table into x.
func (x *Extractor) compileSubjects(subjects []Subject) {
	byKey := map[string]*compiledSubject{}
	for i, s := range subjects {
		cs := &compiledSubject{key: s.Key, order: i, by: map[string]bool{}, needs: s.Needs, ordinals: s.Ordinals, unit: s.Unit}
		cs.names = x.phrases(s.Phrases)
		cs.measures = x.phrases(s.Measures)
		cs.acts = x.phrases(s.Acts)
		cs.cues = x.phrases(s.Cues)
		for l, ps := range [nLists][]phrase{cs.names, cs.measures, cs.acts, cs.cues} {
			for _, p := range ps {
				for f := range nForms {
					if x.index[l][f] == nil {
						x.index[l][f] = map[string][]entry{}
					}
					w := p.forms[f][0]
					x.index[l][f][w] = append(x.index[l][f][w], entry{cs, p})
				}
			}
		}
		for _, b := range s.By {
			cs.by[b] = true
		}
		cs.isNeed = s.Needs != ""
		x.subjects = append(x.subjects, cs)
		if _, dup := byKey[s.Key]; !dup {
			byKey[s.Key] = cs
		}
	}
	for _, cs := range x.subjects {
		for b := range cs.by {
			if t := byKey[b]; t != nil {
				t.agentOf = true
			}
		}
		if t := byKey[cs.needs]; t != nil && cs.needs != cs.key {
			t.needers = append(t.needers, cs)
		}
	}
	x.byKey = byKey
}

// phrases compiles phrases of the table and records their words in x.vocab.
func (x *Extractor) phrases(ps []string) []phrase {
	var out []phrase
	for _, p := range ps {
		var ph phrase
		for _, t := range tokenize(p, nil) {
			if t.k != kWord && t.k != kCJK && t.k != kDigits {
				continue
			}
			w := lowerNFC(p[t.s:t.e])
			x.vocab[prefix3(diff.Fold(w))] = true
			for f := range ph.forms {
				ph.forms[f] = append(ph.forms[f], wordForm(w, f))
				ph.bases[f] = append(ph.bases[f], bases(diff.Fold(w), f))
			}
		}
		if len(ph.forms[0]) > 0 {
			out = append(out, ph)
		}
	}
	return out
}

// prefix3 returns the first three bytes of s, or s when shorter.
func prefix3(s string) string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}

// memoKey is a word and the form it is asked in.
type memoKey struct {
	w string
	f int
}

// textState is what the reading of one text keeps from line to line.
type textState struct {
	memo  map[memoKey]string // stems already computed
	words []wordCache        // per token of the line being read (reused: a paragraph is hundreds of tokens)
	toks  []token            // the tokens of a table cell or a run of sentences (reused)
}

// states keeps the textStates of finished Extract calls for the next ones: their buffers
// and the stems they computed are reused.
var states = sync.Pool{New: func() any { return &textState{memo: map[memoKey]string{}} }}

// maxMemo bounds the stems a pooled textState keeps.
const maxMemo = 1 << 13

// release clears what refers to the text read and returns st to the pool. The memo's
// words are copies (see form), so they do not hold the text.
func (st *textState) release() {
	clear(st.words[:cap(st.words)])
	clear(st.toks[:cap(st.toks)])
	if len(st.memo) > maxMemo {
		clear(st.memo)
	}
	states.Put(st)
}

// reader reads the words around the claims of one line.
type reader struct {
	x     *Extractor
	line  string
	toks  []token
	f     int         // the form words are compared in (the line's language)
	st    *textState  // the text's
	words []wordCache // per token, what was read of it, filled when first asked
}

// wordCache is what is known of one token of the line.
type wordCache struct {
	low, fold, form string
	done            uint8 // 1: low; 2: fold and form too
}

// low returns the lower-case NFC text of token k ("" when k is out of range or no word).
func (r *reader) low(k int) string {
	if k < 0 || k >= len(r.toks) || r.toks[k].k != kWord && r.toks[k].k != kCJK {
		return ""
	}
	if r.words == nil {
		if cap(r.st.words) < len(r.toks) {
			r.st.words = make([]wordCache, len(r.toks))
		}
		r.words = r.st.words[:len(r.toks)]
		clear(r.words)
	}
	c := &r.words[k]
	if c.done == 0 {
		c.low, c.done = lowerNFC(r.line[r.toks[k].s:r.toks[k].e]), 1
	}
	return c.low
}

// form returns the comparison form of the word at token k. A word whose first letters start
// no word of the subjects table is not stemmed: it cannot match.
func (r *reader) form(k int) string {
	w := r.low(k)
	if w == "" {
		return ""
	}
	c := &r.words[k]
	if c.done == 2 {
		return c.form
	}
	c.done, c.fold = 2, diff.Fold(w)
	switch {
	case r.toks[k].k == kCJK:
		c.form = w
	case !r.x.vocab[prefix3(c.fold)] && r.f == formVi:
		c.form = w
	case !r.x.vocab[prefix3(c.fold)]:
		c.form = c.fold
	default:
		v, ok := r.st.memo[memoKey{w, r.f}]
		if !ok {
			v = wordForm(w, r.f)
			r.st.memo[memoKey{strings.Clone(w), r.f}] = v
		}
		c.form = v
	}
	return c.form
}

// folded returns the word at token k without diacritics.
func (r *reader) folded(k int) string {
	r.form(k)
	return r.words[k].fold
}

// entries returns the phrases of list l whose first word is the word at token k.
func (r *reader) entries(l, k int) []entry {
	return r.x.index[l][r.f][r.form(k)]
}

// isWord reports a word or CJK token.
func (r *reader) isWord(k int) bool {
	return k >= 0 && k < len(r.toks) && (r.toks[k].k == kWord || r.toks[k].k == kCJK)
}

// isBoundary reports a token that ends a clause: ",", ";", ":", a bracket, a dash between
// spaces; not the "," or "." inside a number.
func (r *reader) isBoundary(k int) bool {
	t := r.toks[k]
	if t.k != kOther {
		return false
	}
	switch t.r {
	case ';', ':', '(', ')', '[', ']', '—', '«', '»', '"', '“', '”':
		return true
	case ',':
		return !(k > 0 && k+1 < len(r.toks) && r.toks[k-1].k == kDigits && r.toks[k+1].k == kDigits)
	case '–', '-':
		return k > 0 && k+1 < len(r.toks) && r.toks[k-1].k == kSpace && r.toks[k+1].k == kSpace
	}
	return false
}

// maxReach bounds how far, in tokens, the words around a number are read (some 30 words
// each way): a line of thousands of numbers and no punctuation must not be read once per
// number.
const maxReach = 60

// clause returns the token range [lo, hi) of the clause holding token k within the
// sentence [slo, shi), at most maxReach tokens each way.
func (r *reader) clause(k, slo, shi int) (int, int) {
	lo := k
	for lo > slo && lo > k-maxReach && !r.isBoundary(lo-1) {
		lo--
	}
	hi := k
	for hi < shi && hi < k+maxReach && !r.isBoundary(hi) {
		hi++
	}
	return lo, hi
}

// nextWord returns the index of the next word token after k within [.., hi), skipping
// spaces only; -1 when something else comes first.
func (r *reader) nextWord(k, hi int) int {
	j := skipSpace(r.toks, k+1)
	if j < hi && r.isWord(j) {
		return j
	}
	return -1
}

// matchPhrase reports whether phrase p matches the words from token k on (spaces between
// them, within [.., hi)), and returns the index of its last word.
func (r *reader) matchPhrase(p phrase, k, hi int) (int, bool) {
	end, _, ok := r.matchClose(p, k, hi)
	return end, ok
}

// matchClose is matchPhrase that also tells how close the words are to the phrase as
// written: the length of their common prefixes without diacritics. Stemmers merge some
// words of different meaning ("delegates" and "delegations" are both "deleg" in English);
// the closest phrase then wins.
func (r *reader) matchClose(p phrase, k, hi int) (int, int, bool) {
	ws := p.forms[r.f]
	j, close := k, 0
	for n, w := range ws {
		if n > 0 {
			j = r.nextWord(j, hi)
		}
		if j < 0 || j >= hi || !r.isWord(j) || r.form(j) != w {
			return 0, 0, false
		}
		t := r.folded(j)
		if !sameWord(t, p.bases[r.f][n], r.f) {
			return 0, 0, false // the same stem, another word: "national" is not "nations"
		}
		close += commonPrefix(t, p.forms[formPlain][n])
	}
	return j, close, true
}

// endings are the inflections by which a word may differ from a phrase of the table once
// their common beginning is set aside, without diacritics: Snowball stemmers also strip
// derivations ("national" and "nations" are both "nation", "delegates" and "delegations"
// both "deleg"), which name other things.
var endings = [nForms]map[string]bool{
	formFr: set("", "s", "x", "e", "es", "e", "ee", "es", "ees", "er", "ez", "ent", "ant", "ait", "aient",
		"ons", "ai", "a", "as", "erent", "era", "eront", "it", "is", "ir", "ra", "ront", "rait", "raient", "ie", "ies"),
	formEn: set("", "s", "es", "ed", "d", "ing", "e", "ies", "ied", "y", "ier"),
}

// bases returns what is left of a word without diacritics once each ending of form f that
// it has is cut off (nil for a form without endings).
func bases(w string, f int) map[string]bool {
	if endings[f] == nil {
		return nil
	}
	out := map[string]bool{}
	for e := range endings[f] {
		if strings.HasSuffix(w, e) {
			out[w[:len(w)-len(e)]] = true
		}
	}
	return out
}

// sameWord reports whether the word t (without diacritics) is an inflection of the phrase
// word whose bases are given: some ending cut off each leaves the same.
func sameWord(t string, pb map[string]bool, f int) bool {
	if pb == nil {
		return true
	}
	for e := range endings[f] {
		if strings.HasSuffix(t, e) && pb[t[:len(t)-len(e)]] {
			return true
		}
	}
	return false
}

// commonPrefix returns the length in bytes of the common prefix of a and b.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// nameAt returns the subject whose phrase (of the lists chosen by pick) matches at token k,
// the longest phrase first, then the subject first in table order; unit is the claim's unit,
// which the subject's must equal. It returns the index of the phrase's last word too.
func (r *reader) nameAt(k, hi int, unit string) (*compiledSubject, int) {
	var best *compiledSubject
	bestLen, bestClose, bestEnd := 0, 0, -1
	for _, e := range r.entries(listNames, k) {
		if e.s.unit != unit {
			continue
		}
		n := len(e.p.forms[r.f])
		if n < bestLen {
			continue
		}
		end, close, ok := r.matchClose(e.p, k, hi)
		if ok && (n > bestLen || close > bestClose || close == bestClose && e.s.order < best.order) {
			best, bestLen, bestClose, bestEnd = e.s, n, close, end
		}
	}
	return best, bestEnd
}

// actAt returns the subject one of whose acts is the word at token k, unless the word names
// an event there rather than an act ("la cérémonie de signature", "Lễ mở ký", "signing
// ceremony") or is part of another word ("đăng ký", to register).
func (r *reader) actAt(k, hi int) *compiledSubject {
	if !r.isWord(k) {
		return nil
	}
	for _, e := range r.entries(listActs, k) {
		end, ok := r.matchPhrase(e.p, k, hi)
		if !ok {
			continue
		}
		if r.eventNear(k, end) || notActs[r.low(r.prevWordIdx(k))+" "+r.low(k)] || r.expected(k) {
			return nil
		}
		return e.s
	}
	return nil
}

// expected reports an act said to come rather than done: "will sign", "are expected to
// ratify", "sẽ ký", "vont signer". Its doers are not yet its subject's.
func (r *reader) expected(k int) bool {
	p := r.prevWordIdx(k)
	w := r.low(p)
	if futures[w] {
		return true
	}
	if w == "to" {
		return expectations[r.low(r.prevWordIdx(p))]
	}
	return false
}

// prevWordIdx returns the word token before k (spaces skipped), or -1.
func (r *reader) prevWordIdx(k int) int {
	j := k - 1
	for j >= 0 && r.toks[j].k == kSpace {
		j--
	}
	if j >= 0 && r.isWord(j) {
		return j
	}
	return -1
}

// eventNear reports an event noun among the two words before token k or the word after
// token end: the act word then names the event.
func (r *reader) eventNear(k, end int) bool {
	j := k
	for n := 0; n < 2; n++ {
		j = r.prevWordIdx(j)
		if j < 0 {
			break
		}
		if eventWords[r.low(j)] {
			return true
		}
	}
	if j := r.nextWord(end, len(r.toks)); j >= 0 && eventWords[r.low(j)] {
		return true
	}
	return false
}

// cueIn reports whether one of the cues of s is said in the tokens [lo, hi).
func (r *reader) cueIn(s *compiledSubject, lo, hi int) bool {
	for k := lo; k < hi; k++ {
		if !r.isWord(k) {
			continue
		}
		for _, e := range r.entries(listCues, k) {
			if _, ok := r.matchPhrase(e.p, k, hi); ok && e.s == s {
				return true
			}
		}
	}
	return false
}

// claimMeta is where a claim stands among the tokens of its line.
type claimMeta struct {
	num     int   // the number's first token (its sign and currency included)
	next    int   // the first token after the number
	subj    []int // the word tokens of its subject window ("pays ont signé la"), nearest first
	subjLen int   // how many of them make the subject noun phrase
	ordinal bool  // "40e", "40th", "quarantième", "thứ 40"
	anyPos  bool  // its subject may be named anywhere in its noun phrase, not only at its head (a Vietnamese ordinal's)
	drop    bool  // no claim after all (an ordinal that names no subject)
	base    string
}

// assign gives the claims of one line their Key, Scope and PartOf, from their subject and
// the words of their clause and sentence (see the rules below), and marks the ordinals
// that name no subject to be dropped.
func (r *reader) assign(cs []Claim, ms []claimMeta, spans [][2]int) {
	s := 0
	for i := range cs {
		c, m := &cs[i], &ms[i]
		for s+1 < len(spans) && spans[s][1] <= c.Start {
			s++
		}
		slo, shi := r.tokRange(spans[s])
		if c.Kind != "" {
			if m.ordinal {
				m.drop = true
			}
			continue
		}
		clo, chi := r.clause(m.num, slo, shi)
		base := r.baseKey(cs, ms, i, slo, shi, clo, chi)
		var need *compiledSubject
		if b := r.x.byKey[base]; b != nil {
			for _, n := range b.needers {
				if m.ordinal && n.ordinals && c.Value >= 2 || r.cueIn(n, clo, chi) {
					need = n
					break
				}
			}
		}
		switch {
		case need != nil:
			base = need.key
		case m.ordinal:
			if b := r.x.byKey[base]; b == nil || !b.isNeed || !b.ordinals || c.Value < 2 {
				m.drop = true
				continue
			}
		}
		m.base = base
		if base != "" && !r.x.byKey[base].isNeed && r.isPart(cs, ms, i, slo, shi, clo, chi) {
			c.Scope, c.PartOf = "part", base
			continue
		}
		c.Key = base
	}
}

// tokRange returns the token range [lo, hi) of the byte span sp.
func (r *reader) tokRange(sp [2]int) (int, int) {
	lo := sort.Search(len(r.toks), func(k int) bool { return r.toks[k].s >= sp[0] })
	hi := sort.Search(len(r.toks), func(k int) bool { return r.toks[k].s >= sp[1] })
	return lo, hi
}

// baseKey is the subject a figure counts, before requirements and parts:
//  1. a measure noun just before it names the figure itself ("le seuil des 40 États");
//  2. else the noun after it; a count of the doers of an act (countries) with that act said
//     of it ("65 pays ont signé", "ratifiée par 40 pays", "Representatives of 65 countries
//     put their signatures") counts the act's subject (signatories);
//  3. else, with no noun after it: the act said of it ("72 signed", "72 ont signé"); the
//     noun of the number it runs to ("12 à 24 mois", "between 30 and 40 countries"); a noun
//     before it in its clause ("le nombre de signataires est passé de 72 à 75", "Số nước ký
//     đã tăng từ 72"); the subject of the figure before it in its sentence ("72 États
//     signataires ; ils étaient 65 samedi"); a requirement cue of the sentence ("The road to
//     40: when will the Convention take effect?").
func (r *reader) baseKey(cs []Claim, ms []claimMeta, i, slo, shi, clo, chi int) string {
	c, m := &cs[i], &ms[i]
	if s := r.measureBefore(m.num, clo, c.Unit); s != nil {
		return s.key
	}
	whole := r.partitiveAfter(m, chi)
	var s *compiledSubject
	if whole < 0 {
		s = r.nounKey(m, chi, c.Unit)
		if s == nil && len(m.subj) > 0 && m.subjLen > 0 && r.actAt(m.subj[0], chi) == nil {
			return "" // a noun that names no subject: "71 orateurs"
		}
	}
	if s != nil { // with no noun, or a verb for one ("72 signed"), the rules under 3 apply
		if s.agentOf {
			if a := r.actNear(m, clo, chi, s.key); a != nil {
				return a.key
			}
		}
		return s.key
	}
	if whole > 0 && i+1 < len(cs) && ms[i+1].num == whole {
		return r.baseKey(cs, ms, i+1, slo, shi, clo, chi) // "21 of the 72 signatories": a part of signatories
	}
	if a := r.actNear(m, clo, chi, ""); a != nil && a.unit == c.Unit {
		return a.key
	}
	if i+1 < len(cs) && r.rangeTo(m.next, ms[i+1].num) && cs[i+1].Kind == "" && len(ms[i+1].subj) > 0 {
		return r.baseKey(cs, ms, i+1, slo, shi, clo, chi) // "de 72 à 75 signataires", "between 20 and 30 countries"
	}
	if s := r.nameBefore(m.num, clo, c.Unit); s != "" {
		return s
	}
	for j := i - 1; j >= 0 && j >= i-3 && sameSentence(cs[j], cs[i]); j-- { // the few figures before it
		if cs[j].Kind == "" && ms[j].base != "" && r.x.byKey[ms[j].base].unit == c.Unit {
			return r.baseOf(ms[j].base)
		}
	}
	if c.Unit == "" && r.alone(cs, i) {
		lo, hi := max(slo, m.num-maxReach), min(shi, m.num+maxReach)
		for _, s := range r.x.subjects {
			if s.isNeed && r.cueIn(s, lo, hi) {
				return s.key
			}
		}
	}
	return ""
}

// baseOf returns the subject a requirement is the requirement of, so that a bare number
// after "35 ratifications needed" reads as ratifications again before its own cues decide.
func (r *reader) baseOf(key string) string {
	if s := r.x.byKey[key]; s != nil && s.isNeed && r.x.byKey[s.needs] != nil {
		return s.needs
	}
	return key
}

// alone reports that claim i is the only claim of its sentence (claims are in order).
func (r *reader) alone(cs []Claim, i int) bool {
	return (i == 0 || !sameSentence(cs[i-1], cs[i])) && (i+1 == len(cs) || !sameSentence(cs[i+1], cs[i]))
}

func sameSentence(a, b Claim) bool { return a.Line == b.Line && a.Sentence == b.Sentence }

// nounKey returns the subject the noun phrase after a number names: a phrase of the table
// starting within the noun phrase (Vietnamese: at its head, the first word).
func (r *reader) nounKey(m *claimMeta, hi int, unit string) *compiledSubject {
	var best *compiledSubject
	n := m.subjLen
	if r.f == formVi && n > 1 && !m.anyPos {
		n = 1
	}
	bestLen, bestClose := 0, 0
	for _, k := range m.subj[:min(n, len(m.subj))] {
		for _, e := range r.entries(listNames, k) {
			if e.s.unit != unit {
				continue
			}
			l := len(e.p.forms[r.f])
			if l < bestLen {
				continue
			}
			_, close, ok := r.matchClose(e.p, k, max(hi, m.subj[len(m.subj)-1]+1))
			if ok && (l > bestLen || close > bestClose || close == bestClose && e.s.order < best.order) {
				best, bestLen, bestClose = e.s, l, close
			}
		}
	}
	return best
}

// measureBefore returns the subject whose measure noun stands just before the number at
// token k, across an article or "of"/"de" ("le seuil de 40", "the threshold of 40").
func (r *reader) measureBefore(k, lo int, unit string) *compiledSubject {
	j := r.prevWordIdx(k)
	for n := 0; n < 3 && j >= lo; n++ {
		for _, s := range r.x.subjects {
			if s.unit != unit {
				continue
			}
			for _, p := range s.measures {
				l := len(p.forms[r.f])
				start := j
				for x := 1; x < l && start >= 0; x++ {
					start = r.prevWordIdx(start)
				}
				if start < lo {
					continue
				}
				if end, ok := r.matchPhrase(p, start, k); ok && end == j {
					return s
				}
			}
		}
		w := r.low(j)
		if !joiners[w] && !articles[w] {
			return nil
		}
		j = r.prevWordIdx(j)
	}
	return nil
}

// actNear returns the subject of the act said of the number at m: among the words of its
// noun phrase and the four after it up to a purpose or a time ("100 pays inscrits pour la
// signature" have not signed), or the four words before it (a passive or a noun:
// "ratifiée par 40 pays", "ratification by 40 countries", "chữ ký của 72 quốc gia"), the
// nearest; within its clause [lo, hi). With agent set, only acts done by that subject count.
func (r *reader) actNear(m *claimMeta, lo, hi int, agent string) *compiledSubject {
	ok := func(s *compiledSubject) bool { return s != nil && (agent == "" || s.by[agent]) }
	after := -1
	if len(m.subj) > 0 {
		k := m.subj[0]
		for n := 0; n < m.subjLen+4 && k >= 0 && k < hi && !actBarriers[r.low(k)]; n++ {
			if s := r.actAt(k, hi); ok(s) {
				after = n
				if n == 0 || agent != "" {
					return s
				}
				break
			}
			k = r.nextWord(k, hi)
		}
	} else {
		k := r.nextWord(m.next-1, hi)
		for n := 0; n < 4 && k >= 0 && k < hi && !actBarriers[r.low(k)]; n++ {
			if s := r.actAt(k, hi); ok(s) {
				return s
			}
			k = r.nextWord(k, hi)
		}
	}
	k := r.prevWordIdx(m.num)
	reach := 4
	if agents[r.low(k)] {
		reach = 8 // the doer of a passive or a noun: "la signature de la Convention par 72 pays"
	}
	for n := 0; n < reach && k >= lo; n++ {
		if after >= 0 && n >= after {
			break
		}
		if s := r.actAt(k, hi); ok(s) {
			return s
		}
		k = r.prevWordIdx(k)
	}
	if after >= 0 {
		k := m.subj[0]
		for n := 0; n < after; n++ {
			k = r.nextWord(k, hi)
		}
		return r.actAt(k, hi)
	}
	return nil
}

// rangeTo reports a range connector between token k and token j ("72 à 75", "12 to 24",
// "30 and 40", "7–9", "từ 72 lên 75").
func (r *reader) rangeTo(k, j int) bool {
	k = skipSpace(r.toks, k)
	if k >= j {
		return false
	}
	if t := r.toks[k]; t.k == kOther && (t.r == '-' || t.r == '–') || rangeWords[r.low(k)] {
		return skipSpace(r.toks, k+1) == j
	}
	return false
}

// nameBefore returns the subject a noun before the number names in its clause (the
// nearest, at most eight words back), read as nounKey would, acts included.
func (r *reader) nameBefore(k, lo int, unit string) string {
	j := r.prevWordIdx(k)
	for n := 0; n < 8 && j >= lo; n++ {
		if s, end := r.nameAt(j, k, unit); s != nil {
			if s.agentOf {
				m := claimMeta{num: j, subj: []int{j}, subjLen: 1}
				if e := r.nextWord(end, k); e >= 0 {
					m.subj = append(m.subj, e)
				}
				if a := r.actNear(&m, lo, k, s.key); a != nil {
					return a.key
				}
			}
			return s.key
		}
		p := j - 1
		for p >= lo && !r.isWord(p) && r.toks[p].k != kOther {
			p--
		}
		if p >= lo && r.toks[p].k == kOther && r.isBoundary(p) {
			break
		}
		j = r.prevWordIdx(j)
		for j < 0 && p >= lo { // a number between: skip it
			p--
			if r.isWord(p) {
				j = p
			}
		}
	}
	return ""
}

// isPart reports a sub-count: a figure added to an earlier one ("another 19", "trois
// nouveaux États"), taken out of a set ("21 of the 72", "Sixty-four of them", "21 trong số
// 72", "dont 12 signataires" after a total of signatories), counted within a frame of the
// same subject ("Among the 72 signatories, 21 are from Africa"), or restricted to a region
// or a session ("L'Amérique latine compte 12 signataires", "64 nước ký ngay tại phiên toàn
// thể", "Lors de la plénière, 64 pays ont signé").
func (r *reader) isPart(cs []Claim, ms []claimMeta, i, slo, shi, clo, chi int) bool {
	m := &ms[i]
	// the set a part is taken out of is a total: "21 of the 72 signatories", "21 trong số 72"
	if r.wholeOf(m.num) {
		return false
	}
	// increments: "another 19", "thêm 3"; "trois nouveaux États", "35 more"
	if p := r.prevWordIdx(m.num); p >= 0 && incrementsBefore[r.low(p)] {
		return true
	}
	if k := r.nextWord(m.next-1, chi); k >= 0 && incrementsAfter[r.low(k)] {
		return true
	}
	for _, k := range m.subj[:min(m.subjLen, len(m.subj))] {
		if incrementsAfter[r.low(k)] {
			return true
		}
	}
	// taken out of a set: "21 of the 72", "21 des 72", "Sixty-four of them", "21 trong số 72"
	if r.partitiveAfter(m, chi) >= 0 {
		return true
	}
	earlier := func(pred func(j int) bool) bool { // the few figures before it in its sentence
		for j := i - 1; j >= 0 && j >= i-8; j-- {
			if !sameSentence(cs[j], cs[i]) {
				break
			}
			if cs[j].Kind == "" && r.baseOf(ms[j].base) == r.baseOf(m.base) && pred(j) {
				return true
			}
		}
		return false
	}
	// "plus de 100 signataires, dont 65 en Afrique"; "Among the 72 signatories, 21 ..."
	if p := r.prevWordIdx(m.num); p >= clo && includes[r.low(p)] && earlier(func(int) bool { return true }) {
		return true
	}
	if earlier(func(j int) bool { return r.framed(ms[j].num, slo, shi, clo) }) {
		return true
	}
	// a region or a session in its clause, or in an opening clause without figures
	if r.scopeIn(clo, chi) {
		return true
	}
	if olo, ohi := r.clause(slo, slo, shi); ohi < clo && !r.hasFigure(cs, ms, olo, ohi) && r.scopeIn(olo, ohi) {
		return true
	}
	return false
}

// partitiveAfter reports a partitive after the number at m: it returns the token of the
// number it is taken out of ("21 of the 72", "21 des 72", "21 trong số 72"), 0 for a
// pronoun ("Sixty-four of them", "21 d'entre eux"), -1 when there is none.
func (r *reader) partitiveAfter(m *claimMeta, hi int) int {
	k := r.nextWord(m.next-1, hi)
	if k < 0 || !partitives[r.low(k)] {
		return -1
	}
	j := skipSpace(r.toks, k+1)
	if w := r.low(j); articles[w] || w == "số" || w == "entre" {
		j = skipSpace(r.toks, j+1)
	}
	switch {
	case j < hi && r.toks[j].k == kDigits:
		return j
	case partitivePronouns[r.low(j)]:
		return 0
	}
	return -1
}

// wholeOf reports a number at token k that follows a partitive after another number: the
// whole that number is a part of ("21 of the 72", "21 des 72", "21 trong số 72").
func (r *reader) wholeOf(k int) bool {
	p := r.prevWordIdx(k)
	if !partitives[r.low(p)] && articles[r.low(p)] {
		p = r.prevWordIdx(p)
	}
	if r.low(p) == "số" {
		p = r.prevWordIdx(p)
	}
	if p < 0 || !partitives[r.low(p)] {
		return false
	}
	q := skipBack(r.toks, p-1)
	return q < p && r.toks[q].k == kDigits
}

// framed reports a number at token k that a frame word opening its clause introduces
// ("Among the 72 signatories,", "Trong số 72 nước ký,"), in another clause than [clo, ..).
func (r *reader) framed(k, slo, shi, clo int) bool {
	jlo, _ := r.clause(k, slo, shi)
	if jlo == clo {
		return false
	}
	p := r.prevWordIdx(k)
	if p >= 0 && articles[r.low(p)] {
		p = r.prevWordIdx(p)
	}
	if p < jlo {
		return false
	}
	w := r.low(p)
	if q := r.prevWordIdx(p); q >= jlo && frames[r.low(q)+" "+w] {
		p, w = q, r.low(q)+" "+w
	}
	return frames[w] && r.prevWordIdx(p) < jlo
}

// scopeIn reports a region, a session or a later day of an event named in the tokens
// [lo, hi): "64 nước ký ngay tại phiên toàn thể", "on the second day, 7 countries signed"
// (but "by the second day, 72 had signed" is a running total).
func (r *reader) scopeIn(lo, hi int) bool {
	running := false
	for k := lo; k < hi; k++ {
		if r.isWord(k) && runningWords[r.low(k)] {
			running = true
		}
	}
	for k := lo; k < hi; k++ {
		if !r.isWord(k) {
			continue
		}
		w := r.low(k)
		if dayWords[w] && !running && r.laterDay(k, hi) {
			return true
		}
		if besides[w] { // "alongside the plenary", "en marge de la plénière": no restriction
			for n := 0; n < 3 && k >= 0; n++ {
				k = r.nextWord(k, hi)
			}
			if k < 0 {
				break
			}
			continue
		}
		if scopeWords[w] {
			return true
		}
		if strings.Contains(w, "-") {
			for _, part := range strings.Split(w, "-") {
				if scopeWords[part] {
					return true
				}
			}
		}
		if j := r.nextWord(k, hi); j >= 0 && scopeWords[w+" "+r.low(j)] {
			return true
		}
		if j := r.nextWord(k, hi); j >= 0 {
			if j2 := r.nextWord(j, hi); j2 >= 0 && scopeWords[w+" "+r.low(j)+" "+r.low(j2)] {
				return true
			}
		}
	}
	return false
}

// laterDay reports an ordinal above the first next to the day word at token k: "the
// second day", "day two", "le deuxième jour", "la deuxième journée", "ngày thứ hai" (not
// "thứ Hai", Monday).
func (r *reader) laterDay(k, hi int) bool {
	if p := r.prevWordIdx(k); p >= 0 {
		if v, ord, ok := spelledNumber(r.low(p), r.lang()); ok && ord && v >= 2 || laterOrdinals[r.low(p)] {
			return true
		}
	}
	j := r.nextWord(k, hi)
	if j < 0 {
		return false
	}
	w := r.low(j)
	if w == "thứ" {
		j = r.nextWord(j, hi)
		return j >= 0 && r.line[r.toks[j].s:r.toks[j].e] == "hai"
	}
	v, _, ok := spelledNumber(w, r.lang())
	return ok && v >= 2 || laterOrdinals[w]
}

// lang returns the language whose number words the line is read with.
func (r *reader) lang() string {
	switch r.f {
	case formFr:
		return "fr"
	case formEn:
		return "en"
	case formVi:
		return "vi"
	}
	return ""
}

// hasFigure reports a figure among the claims (in order) within the tokens [lo, hi); an
// ordinal ("la deuxième journée") is none.
func (r *reader) hasFigure(cs []Claim, ms []claimMeta, lo, hi int) bool {
	if lo >= hi {
		return false
	}
	a, b := r.toks[lo].s, r.toks[hi-1].e
	for j := sort.Search(len(cs), func(j int) bool { return cs[j].Start >= a }); j < len(cs) && cs[j].Start < b; j++ {
		if cs[j].Kind == "" && !ms[j].ordinal {
			return true
		}
	}
	return false
}
