package figures

// Track is a source's figures followed through its versions so far: every series, and
// the figure claims of the latest version with the series each one continues. It is what
// the next version needs to be followed on, so that the history of a source is kept up to
// date one version at a time, when each version is stored, and outlives the snapshots
// retention drops.
type Track struct {
	Series []Series `json:"series"`
	// Claims are the figures of the latest version; Live[i] is the index in Series of the
	// series Claims[i] belongs to.
	Claims []Claim `json:"claims"`
	Live   []int   `json:"live"`
	// Version is the id of the latest version followed; "" before the first.
	Version string `json:"version,omitempty"`
}

// Follow returns the track after one more version: each figure of v continues the series
// of the claim of the latest version that Compare pairs it with, or starts a series; a
// series none continues is no longer in the text (Latest nil). t is not changed.
func (x *Extractor) Follow(t Track, v Version) Track {
	return FollowClaims(t, v, x.Extract(v.Text, v.Lang))
}

// FollowClaims is Follow with the claims of v already extracted (Extractor.Extract of its
// text and language): a change's claims serve its event's figures and its track.
func FollowClaims(t Track, v Version, claims []Claim) Track {
	series := make([]Series, len(t.Series))
	copy(series, t.Series)
	cur := figuresOnly(claims)
	next := make([]int, len(cur))
	for i := range next {
		next[i] = -1
	}
	used := make([]bool, len(t.Claims))
	for _, p := range match(t.Claims, cur) {
		next[p[1]] = t.Live[p[0]]
		used[p[0]] = true
	}
	for i, c := range cur {
		pt := Point{Value: c.Value, Snapshot: v.ID, Time: v.Time}
		if next[i] < 0 {
			series = append(series, Series{History: []Point{pt}})
			next[i] = len(series) - 1
		}
		s := &series[next[i]]
		s.Subject, s.Key, s.Scope, s.PartOf, s.Unit, s.Qualifier, s.Sentence = c.Subject, c.Key, c.Scope, c.PartOf, c.Unit, c.Qualifier, c.Sentence
		if last := s.History[len(s.History)-1]; last.Value != c.Value {
			// Appended to a copy: the history slices of t stay as they were.
			s.History = append(s.History[:len(s.History):len(s.History)], pt)
		}
		p := s.History[len(s.History)-1]
		s.Latest = &p
	}
	for i, u := range used {
		if !u {
			series[t.Live[i]].Latest = nil
		}
	}
	return Track{Series: series, Claims: cur, Live: next, Version: v.ID}
}
