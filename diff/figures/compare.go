package figures

import (
	"hash/fnv"
	"math"
	"sort"
	"strconv"
)

// Change is one figure that moved between two versions; JSON goes into events as is.
type Change struct {
	Subject        string   `json:"subject"`
	Key            string   `json:"key,omitempty"`
	Before         *float64 `json:"before"` // null when added
	After          *float64 `json:"after"`  // null when removed
	Unit           string   `json:"unit,omitempty"`
	Qualifier      string   `json:"qualifier,omitempty"`
	SentenceBefore string   `json:"sentence_before,omitempty"`
	SentenceAfter  string   `json:"sentence_after,omitempty"`
	Kind           string   `json:"kind,omitempty"` // "date", "year", "time", "ref" for an edited non-figure (see Claim.Kind)
}

// side is a claim of one version during Compare.
type side struct {
	c    *Claim
	pos  int       // index in its version, for a stable order
	ord  int       // rank of the claim within its sentence
	done bool      // cancelled or paired
	mate *side     // the claim of the other version it was cancelled or paired with
	sent *sentence // shared by the claims of one sentence
}

// sentence is a sentence of one version, hashed once however many claims it holds: a page
// may be one huge line, and its sentence must not be copied or scanned once per claim.
type sentence struct {
	text  string
	hash  string          // FNV-1a of the text, as a map key
	words map[string]bool // its words with numbers masked, built when first needed
}

// Compare returns the figures that changed from before to after (claims of two versions of
// one text, as Extract returns them), in order of position in the after text, then removed
// ones in order of position in the before text. Claims whose Value is not finite are ignored.
func Compare(before, after []Claim) []Change {
	bs, as := sides(before), sides(after)

	cancelUnchanged(bs, as)

	// Each change is placed by its claim in the after text, or, when removed, in the before one.
	type placed struct {
		ch    Change
		where [3]int
	}
	var out []placed
	add := func(b, a *Claim) {
		w := [3]int{0, 0, 0}
		if a != nil {
			w[1], w[2] = a.Line, a.Start
		} else {
			w = [3]int{1, b.Line, b.Start}
		}
		out = append(out, placed{change(b, a), w})
	}
	for _, p := range pairs(bs, as) {
		add(p[0].c, p[1].c)
	}
	for _, a := range as {
		if !a.done && a.c.Kind == "" {
			add(nil, a.c)
		}
	}
	for _, b := range bs {
		if !b.done && b.c.Kind == "" {
			add(b.c, nil)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		wi, wj := out[i].where, out[j].where
		for k := range wi {
			if wi[k] != wj[k] {
				return wi[k] < wj[k]
			}
		}
		return false
	})
	changes := make([]Change, len(out))
	for i, p := range out {
		changes[i] = p.ch
	}
	return changes
}

// match aligns the claims of two versions as Compare does, and returns the index pairs
// (in before, in after) of the claims it takes for the same figure, changed or not.
func match(before, after []Claim) [][2]int {
	bs, as := sides(before), sides(after)
	cancelUnchanged(bs, as)
	var out [][2]int
	for _, b := range bs {
		if b.mate != nil {
			out = append(out, [2]int{b.pos, b.mate.pos})
		}
	}
	for _, p := range pairs(bs, as) {
		out = append(out, [2]int{p[0].pos, p[1].pos})
	}
	return out
}

// sides wraps the finite claims of one version.
func sides(cs []Claim) []*side {
	out := make([]*side, 0, len(cs))
	var cur *sentence
	ord, line := 0, -1
	for i := range cs {
		c := &cs[i]
		if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) {
			continue
		}
		// The claims of one sentence share its string: comparing it to the previous one
		// is then a pointer comparison.
		if cur != nil && c.Line == line && c.Sentence == cur.text {
			ord++
		} else {
			h := fnv.New64a()
			h.Write([]byte(c.Sentence))
			cur = &sentence{text: c.Sentence, hash: strconv.FormatUint(h.Sum64(), 36) + ":" + strconv.Itoa(len(c.Sentence))}
			ord, line = 0, c.Line
		}
		out = append(out, &side{c: c, pos: i, ord: ord, sent: cur})
	}
	return out
}

// valueKey writes a value so that equal values give equal keys (0 and -0 included).
func valueKey(c *Claim) string {
	v := c.Value
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// cancelUnchanged cancels what did not change, as multisets, from the most to the least
// exact match: the same claim in the same sentence; the same claim moved elsewhere; the same
// value whose sentence was reworded (its subject or qualifier read differently).
func cancelUnchanged(bs, as []*side) {
	cancel(bs, as, func(s *side) string {
		return valueKey(s.c) + "\x00" + s.c.Unit + "\x00" + s.c.Subject + "\x00" + s.sent.hash
	})
	cancel(bs, as, func(s *side) string { return valueKey(s.c) + "\x00" + s.c.Unit + "\x00" + s.c.Subject })
	cancel(bs, as, func(s *side) string { return valueKey(s.c) + "\x00" + s.c.Unit })
	cancel(bs, as, func(s *side) string { return valueKey(s.c) })
}

// cancel marks as done the pairs of claims with equal keys, first come first paired.
func cancel(bs, as []*side, key func(*side) string) {
	waiting := map[string][]*side{}
	for _, b := range bs {
		if !b.done {
			k := key(b)
			waiting[k] = append(waiting[k], b)
		}
	}
	if len(waiting) == 0 {
		return
	}
	for _, a := range as {
		if a.done {
			continue
		}
		k := key(a)
		if q := waiting[k]; len(q) > 0 {
			q[0].done, a.done = true, true
			q[0].mate, a.mate = a, q[0]
			waiting[k] = q[1:]
		}
	}
}

// maxPairing bounds the removed × added candidates scored by sentence similarity: beyond it
// (a text rewritten from scratch) only claims with the same subject are paired.
const maxPairing = 40000

// pairs matches the remaining removed and added claims into before→after edits: best scored
// candidates first. A pair needs the same unit and either the same subject, or the same key
// and somewhat similar sentences, or similar sentences; a date, year, time or reference
// number pairs only in a very similar sentence, as it counts only when edited in place.
func pairs(bs, as []*side) [][2]*side {
	var rs, ds []*side
	for _, b := range bs {
		if !b.done {
			rs = append(rs, b)
		}
	}
	for _, a := range as {
		if !a.done {
			ds = append(ds, a)
		}
	}
	if len(rs) == 0 || len(ds) == 0 {
		return nil
	}
	type cand struct {
		r, d  *side
		score float64
	}
	var cands []cand
	full := len(rs)*len(ds) <= maxPairing
	sims := map[[2]*sentence]float64{}
	for _, r := range rs {
		for _, d := range ds {
			if r.c.Unit != d.c.Unit {
				continue
			}
			sameSubj := r.c.Subject != "" && r.c.Subject == d.c.Subject
			if !full && !sameSubj {
				continue
			}
			sim := 0.0
			if full {
				pair := [2]*sentence{r.sent, d.sent}
				var ok bool
				if sim, ok = sims[pair]; !ok {
					sim = similarity(r.sent, d.sent)
					sims[pair] = sim
				}
			}
			sameKey := r.c.Key != "" && r.c.Key == d.c.Key
			ok := false
			switch {
			case r.c.Kind != "" || d.c.Kind != "":
				ok = sim >= 0.6
			case sameSubj:
				ok = true
			case sameKey:
				ok = sim >= 0.2
			default:
				ok = sim >= 0.5
			}
			if !ok {
				continue
			}
			score := sim
			if sameSubj {
				score += 0.5
			}
			if sameKey {
				score += 0.3
			}
			if r.ord == d.ord {
				score += 0.05
			}
			cands = append(cands, cand{r, d, score})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		if cands[i].d.pos != cands[j].d.pos {
			return cands[i].d.pos < cands[j].d.pos
		}
		return cands[i].r.pos < cands[j].r.pos
	})
	var out [][2]*side
	for _, c := range cands {
		if c.r.done || c.d.done {
			continue
		}
		c.r.done, c.d.done = true, true
		out = append(out, [2]*side{c.r, c.d})
	}
	return out
}

// similarity is the Jaccard index of the words of two sentences, numbers masked, so that a
// sentence whose only edit is its number scores 1.
func similarity(a, b *sentence) float64 {
	wa, wb := a.wordSet(), b.wordSet()
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	union := len(wa) + len(wb) - common
	if union == 0 {
		return 1
	}
	return float64(common) / float64(union)
}

// wordSet returns the folded words of the sentence, numbers as "#".
func (s *sentence) wordSet() map[string]bool {
	if s.words != nil {
		return s.words
	}
	s.words = map[string]bool{}
	for _, t := range tokenize(s.text, nil) {
		switch t.k {
		case kWord, kCJK:
			s.words[fold(s.text[t.s:t.e])] = true
		case kDigits:
			s.words["#"] = true
		}
	}
	return s.words
}

// change builds the Change from claim b to claim a (either may be nil).
func change(b, a *Claim) Change {
	var ch Change
	ref := a
	if ref == nil {
		ref = b
	}
	ch.Subject, ch.Key, ch.Unit, ch.Qualifier, ch.Kind = ref.Subject, ref.Key, ref.Unit, ref.Qualifier, ref.Kind
	if b != nil {
		v := b.Value
		ch.Before, ch.SentenceBefore = &v, b.Sentence
		if ch.Subject == "" {
			ch.Subject = b.Subject
		}
		if ch.Key == "" {
			ch.Key = b.Key
		}
	}
	if a != nil {
		v := a.Value
		ch.After, ch.SentenceAfter = &v, a.Sentence
		if b != nil && a.Kind != "" && b.Kind == "" {
			ch.Kind = "" // a figure that now reads as a date is still a figure edit
		}
	}
	return ch
}
