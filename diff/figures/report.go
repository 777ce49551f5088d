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
	var series []*Series
	var live []int // for each claim of the previous version, its series (index into series)
	var prev []Claim
	for _, v := range vs {
		cur := figuresOnly(x.Extract(v.Text, v.Lang))
		next := make([]int, len(cur))
		for i := range next {
			next[i] = -1
		}
		used := make([]bool, len(prev))
		for _, p := range match(prev, cur) {
			next[p[1]] = live[p[0]]
			used[p[0]] = true
		}
		for i, c := range cur {
			pt := Point{Value: c.Value, Snapshot: v.ID, Time: v.Time}
			if next[i] < 0 {
				series = append(series, &Series{History: []Point{pt}})
				next[i] = len(series) - 1
			}
			s := series[next[i]]
			s.Subject, s.Key, s.Unit, s.Qualifier, s.Sentence = c.Subject, c.Key, c.Unit, c.Qualifier, c.Sentence
			if last := s.History[len(s.History)-1]; last.Value != c.Value {
				s.History = append(s.History, pt)
			}
			p := s.History[len(s.History)-1]
			s.Latest = &p
		}
		for i, u := range used {
			if !u {
				series[live[i]].Latest = nil
			}
		}
		prev, live = cur, next
	}
	out := make([]Series, 0, len(series))
	for _, s := range series {
		out = append(out, *s)
	}
	return out
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
