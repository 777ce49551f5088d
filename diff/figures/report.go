package figures

import (
	"slices"
	"sort"
	"time"
)

// Version is one snapshot of a source's text, for History.
type Version struct {
	ID   string
	Time time.Time
	Text string
	Lang string
}

// Point is a value a figure took, and where it first appeared.
type Point struct {
	Value    float64   `json:"value"`
	Snapshot string    `json:"snapshot"`
	Time     time.Time `json:"time"`
}

// Series is one figure of one source over time: what it counts, its value in the latest
// version, and each value it took, in order.
type Series struct {
	Subject   string  `json:"subject"`
	Key       string  `json:"key,omitempty"`
	Scope     string  `json:"scope,omitempty"`   // "part" for a sub-count (see Claim.Scope)
	PartOf    string  `json:"part_of,omitempty"` // for a part, the key of its total
	Unit      string  `json:"unit,omitempty"`
	Qualifier string  `json:"qualifier,omitempty"`
	Sentence  string  `json:"sentence,omitempty"`
	Latest    *Point  `json:"latest"` // nil when the figure is no longer in the text
	History   []Point `json:"history"`
}

// History follows the figures of a source through its versions (oldest first). A figure
// is followed by Compare's pairing: "65 pays" becoming "72 pays" is one series 65 → 72.
func (x *Extractor) History(vs []Version) []Series {
	var t Track
	for _, v := range vs {
		t = x.Follow(t, v)
	}
	if t.Series == nil {
		return []Series{}
	}
	return t.Series
}

func figuresOnly(cs []Claim) []Claim {
	out := cs[:0:0]
	for _, c := range cs {
		if c.IsFigure() {
			out = append(out, c)
		}
	}
	return out
}

// Report is one source's latest figures, for Board.
type Report struct {
	Source string
	// AsOf is the date its figures hold on: the article's date as "2025-10-26" or a month
	// "2025-10" (sorting as text sorts them in time), "" when unknown.
	AsOf   string
	Claims []Claim
}

// Row is one canonical subject across sources: the values each source reports now, and
// the same values step by step over the dates they hold on.
type Row struct {
	Key       string               `json:"key"`
	Values    map[string][]float64 `json:"values"` // source → values, sorted
	Disagree  bool                 `json:"disagree"`
	Consensus []float64            `json:"consensus,omitempty"` // values every reporting source gives
	// Steps are the values by as-of date, oldest first (reports of an unknown date last).
	Steps []Step `json:"steps"`
	// Progression tells that the value moved over time: the steps' values differ ("65 on
	// 25 Oct → 72 on 26 Oct"), which is no disagreement.
	Progression bool `json:"progression,omitempty"`
}

// Step is what the sources dated alike report for one subject.
type Step struct {
	AsOf     string               `json:"as_of"`
	Values   map[string][]float64 `json:"values"` // source → values, sorted
	Disagree bool                 `json:"disagree"`
	// Consensus holds the values every source of the step gives.
	Consensus []float64 `json:"consensus,omitempty"`
}

// Shown returns the values to show for a step: its consensus, or, when its sources
// disagree, every value they give, sorted.
func (st Step) Shown() []float64 {
	if !st.Disagree && len(st.Consensus) > 0 {
		return st.Consensus
	}
	var out []float64
	for _, vs := range st.Values {
		for _, v := range vs {
			if !contains(out, v) {
				out = append(out, v)
			}
		}
	}
	sort.Float64s(out)
	return out
}

// Board lines up the canonical figures of several sources: totals only (a part has no key).
// Figures are compared like with like: sources disagree on a subject only when sources of
// the same as-of date do not report the same set of values for it; values that differ
// between dates are a progression.
func Board(reports []Report) []Row {
	rows := map[string]*Row{}
	steps := map[string]map[string]*Step{} // key → as-of → step
	for _, r := range reports {
		for _, c := range r.Claims {
			if c.Key == "" || !c.IsFigure() {
				continue
			}
			row := rows[c.Key]
			if row == nil {
				row = &Row{Key: c.Key, Values: map[string][]float64{}}
				rows[c.Key] = row
				steps[c.Key] = map[string]*Step{}
			}
			if vals := row.Values[r.Source]; !contains(vals, c.Value) {
				row.Values[r.Source] = append(vals, c.Value)
			}
			st := steps[c.Key][r.AsOf]
			if st == nil {
				st = &Step{AsOf: r.AsOf, Values: map[string][]float64{}}
				steps[c.Key][r.AsOf] = st
			}
			if vals := st.Values[r.Source]; !contains(vals, c.Value) {
				st.Values[r.Source] = append(vals, c.Value)
			}
		}
	}
	out := make([]Row, 0, len(rows))
	for key, row := range rows {
		_, row.Consensus = agreement(row.Values)
		for _, st := range steps[key] {
			st.Disagree, st.Consensus = agreement(st.Values)
			row.Disagree = row.Disagree || st.Disagree
			row.Steps = append(row.Steps, *st)
		}
		sort.Slice(row.Steps, func(i, j int) bool {
			a, b := row.Steps[i].AsOf, row.Steps[j].AsOf
			if (a == "") != (b == "") {
				return b == ""
			}
			return a < b
		})
		for i := 1; i < len(row.Steps); i++ {
			a, b := row.Steps[i-1], row.Steps[i]
			if a.AsOf != "" && b.AsOf != "" && !equal(a.Consensus, b.Consensus) {
				row.Progression = true
			}
		}
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// agreement sorts each source's values and tells whether two sources give values that
// have none in common (one that also gives an earlier figure, "72 signed, compared with 65
// the day before", does not disagree with one that gives 72), and which values they all give.
func agreement(values map[string][]float64) (bool, []float64) {
	var sets [][]float64
	count := map[float64]int{}
	for _, vs := range values {
		sort.Float64s(vs)
		sets = append(sets, vs)
		for _, v := range vs {
			count[v]++
		}
	}
	disagree := false
	for i := range sets {
		for j := i + 1; j < len(sets) && !disagree; j++ {
			disagree = !slices.ContainsFunc(sets[i], func(v float64) bool { return contains(sets[j], v) })
		}
	}
	var all []float64
	for v, n := range count {
		if n == len(values) {
			all = append(all, v)
		}
	}
	sort.Float64s(all)
	return disagree, all
}

func contains(vs []float64, v float64) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
