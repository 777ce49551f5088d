package figures

import (
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
	Claims []Claim
}

// Row is one canonical subject across sources: the values each source reports now.
type Row struct {
	Key       string               `json:"key"`
	Values    map[string][]float64 `json:"values"` // source → values, sorted
	Disagree  bool                 `json:"disagree"`
	Consensus []float64            `json:"consensus,omitempty"` // values every reporting source gives
}

// Board lines up the canonical figures of several sources. Sources disagree on a subject
// when they do not all report the same set of values for it.
func Board(reports []Report) []Row {
	rows := map[string]*Row{}
	for _, r := range reports {
		for _, c := range r.Claims {
			if c.Key == "" || !c.IsFigure() {
				continue
			}
			row := rows[c.Key]
			if row == nil {
				row = &Row{Key: c.Key, Values: map[string][]float64{}}
				rows[c.Key] = row
			}
			vals := row.Values[r.Source]
			if !contains(vals, c.Value) {
				row.Values[r.Source] = append(vals, c.Value)
			}
		}
	}
	out := make([]Row, 0, len(rows))
	for _, row := range rows {
		var first []float64
		count := map[float64]int{}
		for _, vs := range row.Values {
			sort.Float64s(vs)
			if first == nil {
				first = vs
			} else if !equal(first, vs) {
				row.Disagree = true
			}
			for _, v := range vs {
				count[v]++
			}
		}
		for v, n := range count {
			if n == len(row.Values) {
				row.Consensus = append(row.Consensus, v)
			}
		}
		sort.Float64s(row.Consensus)
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
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
