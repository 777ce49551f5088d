package report

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/treaty"
)

// Board is the figures board: per canonical subject, what each news source reports now,
// the official value for the subjects the depositary's record counts, and every news
// figure of those subjects held against the official value of its article's date;
// Series follows each source's figures of the canonical subjects over time, for charts.
type Board struct {
	Rows   []BoardRow     `json:"rows"`
	Series []SourceSeries `json:"series"`
}

// SourceSeries is one source's figures over time.
type SourceSeries struct {
	Source string           `json:"source"`
	Series []figures.Series `json:"series"`
}

// Board builds the figures board from the latest text of every news source and the
// latest reading of the official record.
func (s *Service) Board() (Board, error) {
	out := Board{Rows: []BoardRow{}, Series: []SourceSeries{}}
	srcs, err := s.List.Sources()
	if err != nil {
		return out, err
	}
	var (
		reports []figures.Report
		news    []newsReport
		rec     *officialRecord
	)
	for _, src := range srcs {
		if src.Kind == watcher.KindTreatyStatus {
			// Its numbers are not claims to line up but the official counts they are held
			// against: the most recently stored reading of the record is the reference.
			r, ok, err := s.officialRecord(src)
			if err != nil {
				return out, err
			}
			if ok && (rec == nil || r.snap.Time.After(rec.snap.Time)) {
				rec = &r
			}
			continue
		}
		st, err := s.Store.State(src.Name)
		if err != nil {
			return out, err
		}
		if st.Snapshot == "" {
			continue
		}
		// The current snapshot is the latest but after a revert to an earlier text.
		_, _, latest, err := s.Store.SnapshotSpan(src.Name)
		snaps := []watcher.Snapshot{latest}
		if err == nil && latest.ID != st.Snapshot {
			snaps, err = s.Store.Snapshots(src.Name)
		}
		if err != nil {
			return out, err
		}
		// The figures recorded with the latest snapshot: no text is read or extracted.
		t, err := s.recorded(src.Name, latest)
		if err != nil {
			return out, err
		}
		date := articleDate(src, st, snaps)
		// The board compares figures as of their article's date: 65 signatories on the
		// 25th and 72 on the 26th are a progression, not sources that disagree.
		reports = append(reports, figures.Report{Source: src.Name, AsOf: date.text, Claims: t.Claims})
		news = append(news, newsReport{source: src, claims: t.Claims, date: date})
		// The board's charts follow the canonical subjects: a figure of no subject is
		// charted on no board, and the board's JSON need not carry it.
		keyed := []figures.Series{}
		for _, sr := range t.Series {
			if sr.Key != "" {
				keyed = append(keyed, sr)
			}
		}
		out.Series = append(out.Series, SourceSeries{Source: src.Name, Series: keyed})
	}
	out.Rows = crossCheck(figures.Board(reports), news, rec)
	return out, nil
}

// The canonical subjects (seeds/subjects.yaml) that the depositary's record counts.
const (
	keySignatories   = "signatories"
	keyRatifications = "ratifications"
	keyNeeded        = "ratifications_needed"
)

// Verdicts of a news figure held against the official record.
const (
	VerdictOK        = "ok"        // the official count on the article's date (or the article 65 threshold)
	VerdictStale     = "stale"     // not that day's count but an earlier day's: the article is behind the record
	VerdictDisagrees = "disagrees" // not the official count on the article's date nor on any day before it
	VerdictConfused  = "confused"  // "40 signatures": the entry-into-force threshold, 40 ratifications, named signatures
)

// BoardRow is a row of the figures board: what the news sources report for a
// canonical subject (figures.Row, unchanged) and, for the subjects the record counts, the
// official value and every news figure held against the official value of its own date.
type BoardRow struct {
	figures.Row
	Official *OfficialValue `json:"official,omitempty"`
	Checks   []FigureCheck  `json:"checks,omitempty"`
}

// OfficialValue is the current count of the latest reading of the record.
type OfficialValue struct {
	Value    int          `json:"value"`
	Since    *treaty.Date `json:"since,omitempty"` // the depositary's date of the action that made it this value
	Source   string       `json:"source"`
	Snapshot string       `json:"snapshot"`
	Stored   time.Time    `json:"stored"` // when hanoiwatch first stored that reading
}

// FigureCheck is one news figure held against the official count of its article's date.
type FigureCheck struct {
	Source    string  `json:"source"`
	Value     float64 `json:"value"`
	Qualifier string  `json:"qualifier,omitempty"`
	Subject   string  `json:"subject"`
	Sentence  string  `json:"sentence,omitempty"`
	// Date is the article's date, a day or a month ("2025-10"); DateFrom where it came from:
	// "reports" (the source's reports: date), "page" (the date the page states), "snapshot"
	// (the day its current text was stored, when nothing better is known).
	Date     string `json:"date"`
	DateFrom string `json:"date_from"`
	// Official is the official count at the end of the article's date, OfficialSince the
	// day it took that value; absent without a reading of the record.
	Official      *int         `json:"official,omitempty"`
	OfficialSince *treaty.Date `json:"official_since,omitempty"`
	Verdict       string       `json:"verdict"`
	// RightFrom and RightUntil bound the days the figure was the official count (stale), or
	// from which it became it (disagrees: the article was ahead, or its date is wrong). A
	// missing RightFrom is before the first action; a missing RightUntil is still.
	RightFrom  *treaty.Date `json:"right_from,omitempty"`
	RightUntil *treaty.Date `json:"right_until,omitempty"`
	Note       string       `json:"note,omitempty"`
}

// newsReport is the latest text of a news source, for crossCheck.
type newsReport struct {
	source watcher.Source
	claims []figures.Claim
	date   articleDay
}

// articleDay is the date an article speaks of: one day, or every day of a month.
type articleDay struct {
	from, to treaty.Date
	text     string
	origin   string // "reports", "page", "snapshot"
}

var pageDateRE = regexp.MustCompile(`^\s*(\d{4}-\d{2}-\d{2})`)

// articleDate is the date a news source's figures are held to: the source's reports date
// (seeds or config: the editor's knowledge beats any guess), else the date the page states,
// else the day its current text was stored.
func articleDate(s watcher.Source, st watcher.State, snaps []watcher.Snapshot) articleDay {
	if d, err := treaty.ParseDate(s.Reports); err == nil {
		return articleDay{from: d, to: d, text: s.Reports, origin: "reports"}
	}
	if m, err := time.Parse("2006-01", s.Reports); err == nil {
		first := treaty.DateOf(m)
		return articleDay{from: first, to: treaty.DateOf(m.AddDate(0, 1, -1)), text: s.Reports, origin: "reports"}
	}
	snap := current(st, snaps)
	if d, ok := pageDate(snap.Date); ok {
		return articleDay{from: d, to: d, text: d.String(), origin: "page"}
	}
	d := treaty.DateOf(snap.Time.UTC())
	return articleDay{from: d, to: d, text: d.String(), origin: "snapshot"}
}

// pageDate reads the date a page states: ISO 8601 (meta tags, JSON-LD) or an HTTP-style date.
// The day is the one written, in the page's own zone: an article of 25 October in Hanoi
// is of the 25th, whatever UTC says.
func pageDate(s string) (treaty.Date, bool) {
	if m := pageDateRE.FindStringSubmatch(s); m != nil {
		d, err := treaty.ParseDate(m[1])
		return d, err == nil
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC850} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return treaty.DateOf(t), true
		}
	}
	return treaty.Date{}, false
}

// series is one count of the record as a step function of the day: vals[i] holds from
// days[i] to the day before days[i+1], and base before days[0].
type series struct {
	base int
	days []treaty.Date
	vals []int
}

// countSeries follows a count through the dates of the table (Status.AsOf). The last step
// is the header's count when the record publishes one: it is what the depositary says now.
func countSeries(s treaty.Status, key string) *series {
	at := func(d treaty.Date) int {
		sig, par := s.AsOf(d)
		switch key {
		case keySignatories:
			return sig
		case keyRatifications:
			return par
		}
		// ratifications_needed: the status of that day says it (the European Union's
		// instrument is the treaty package's business).
		past := treaty.Status{Parties: par}
		for _, p := range s.Participants {
			if p.Deposited != nil && !p.Deposited.After(d) {
				past.Participants = append(past.Participants, p)
			}
		}
		return past.RatificationsNeeded()
	}
	now := map[string]int{keySignatories: s.Signatories, keyRatifications: s.Parties, keyNeeded: s.RatificationsNeeded()}[key]
	var days []treaty.Date
	for _, p := range s.Participants {
		for _, d := range []*treaty.Date{p.Signed, p.Deposited} {
			if d != nil {
				days = append(days, *d)
			}
		}
	}
	slices.SortFunc(days, treaty.Date.Compare)
	days = slices.Compact(days)
	sr := &series{base: now}
	if len(days) > 0 {
		sr.base = at(days[0].AddDays(-1))
	}
	prev := sr.base
	for _, d := range days {
		if v := at(d); v != prev {
			sr.days, sr.vals, prev = append(sr.days, d), append(sr.vals, v), v
		}
	}
	if prev != now {
		if len(sr.vals) == 0 {
			sr.base = now
		} else {
			sr.vals[len(sr.vals)-1] = now
		}
	}
	return sr
}

// step returns the index of the step holding on day d: -1 for base.
func (s *series) step(d treaty.Date) int {
	i, found := slices.BinarySearchFunc(s.days, d, treaty.Date.Compare)
	if found {
		return i
	}
	return i - 1
}

func (s *series) value(i int) int {
	if i < 0 {
		return s.base
	}
	return s.vals[i]
}

// bounds returns the first and last day of step i; nil for none (before the first action,
// still holding).
func (s *series) bounds(i int) (from, until *treaty.Date) {
	if i >= 0 {
		d := s.days[i]
		from = &d
	}
	if i+1 < len(s.days) {
		d := s.days[i+1].AddDays(-1)
		until = &d
	}
	return from, until
}

// Qualifiers as the figures package reports them, by what they allow of the true count.
var (
	qualAbove   = stringSet("plus de", "plus d'", "more than", "over", "just over", "upwards of", "hơn", "trên", "mehr als", "über", "más de", "mais de")
	qualAtLeast = stringSet("au moins", "pas moins de", "at least", "ít nhất", "tối thiểu", "mindestens", "al menos", "por lo menos", "pelo menos")
	qualBelow   = stringSet("moins de", "less than", "fewer than", "under", "just under", "dưới", "chưa đến", "chưa tới", "weniger als", "menos de")
	qualAtMost  = stringSet("au plus", "at most", "up to", "as many as", "jusqu'à", "bis zu", "hasta", "até", "tối đa", "lên tới", "lên đến", "tới", "höchstens")
)

func stringSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// fits reports whether a figure with its qualifier is true of the official count: "plus de
// 60" of 72 is, "65" of 72 is not; "près de", "about" and the like allow a tenth (at least 1).
func fits(v float64, qual string, official int) bool {
	o := float64(official)
	switch q := strings.ToLower(qual); {
	case q == "":
		return o == v
	case qualAbove[q]:
		return o > v
	case qualAtLeast[q]:
		return o >= v
	case qualBelow[q]:
		return o < v
	case qualAtMost[q]:
		return o <= v
	default:
		return math.Abs(o-v) <= max(1, v/10)
	}
}

// namesSignatures reports whether a figure's subject speaks of signing: "signatures",
// "signataires", "pays ont signé", "quốc gia đã ký".
func namesSignatures(subject string) bool {
	for _, w := range strings.Fields(strings.ToLower(subject)) {
		if strings.HasPrefix(w, "sign") || w == "ký" || w == "kí" {
			return true
		}
	}
	return false
}

// crossCheck adds to the board the official values of the subjects the record counts and
// holds each news figure of those subjects against the official count of its article's
// date. rec is nil when the record has not been read: then only the "40 signatures"
// confusion, which needs no reading, is flagged.
func crossCheck(rows []figures.Row, news []newsReport, rec *officialRecord) []BoardRow {
	out := make([]BoardRow, 0, len(rows)+2)
	have := map[string]bool{}
	for _, r := range rows {
		out = append(out, BoardRow{Row: r})
		have[r.Key] = true
	}
	if rec != nil {
		// The record's subjects are shown even when no news source reports them.
		for _, k := range []string{keySignatories, keyRatifications} {
			if !have[k] {
				out = append(out, BoardRow{Row: figures.Row{Key: k, Values: map[string][]float64{}}})
			}
		}
	}
	slices.SortFunc(out, func(a, b BoardRow) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(news, func(a, b newsReport) int { return strings.Compare(a.source.Name, b.source.Name) })
	var sig *series
	if rec != nil {
		sig = countSeries(rec.status, keySignatories)
	}
	for i := range out {
		r := &out[i]
		if r.Key != keySignatories && r.Key != keyRatifications && r.Key != keyNeeded {
			continue
		}
		var sr *series
		if rec != nil {
			sr = countSeries(rec.status, r.Key)
			last := len(sr.vals) - 1
			since, _ := sr.bounds(last)
			r.Official = &OfficialValue{Value: sr.value(last), Since: since, Source: rec.src.Name,
				Snapshot: rec.snap.ID, Stored: rec.snap.Time.UTC()}
		}
		for _, n := range news {
			seen := map[string]bool{}
			for _, c := range n.claims {
				if c.Key != r.Key || !c.IsFigure() {
					continue
				}
				if k := fmt.Sprint(c.Value, "|", c.Qualifier, "|", c.Subject); seen[k] {
					continue // the lead and the body repeating a figure: one check
				} else {
					seen[k] = true
				}
				fc, ok := checkFigure(c, r.Key, n, sr, sig)
				if ok {
					r.Checks = append(r.Checks, fc)
				}
			}
		}
	}
	return out
}

// checkFigure holds one news figure against the series of its subject (sr) and, for the
// "40 signatures" confusion, the signatories' (sig); both are nil without a reading of the
// record. ok is false when there is nothing to say.
func checkFigure(c figures.Claim, key string, n newsReport, sr, sig *series) (FigureCheck, bool) {
	fc := FigureCheck{Source: n.source.Name, Value: c.Value, Qualifier: c.Qualifier, Subject: c.Subject,
		Sentence: c.Sentence, Date: n.date.text, DateFrom: n.date.origin}
	threshold := c.Value == treaty.RatificationsForEntryIntoForce
	if threshold && namesSignatures(c.Subject) {
		// "40 signatures" is a count of signatures only if 40 was the number of signatories
		// on the article's date; otherwise it is the threshold of article 65(1) misnamed.
		right := false
		if sig != nil {
			for i := sig.step(n.date.from); i <= sig.step(n.date.to); i++ {
				right = right || fits(c.Value, c.Qualifier, sig.value(i))
			}
		}
		if !right {
			fc.Verdict = VerdictConfused
			fc.Note = fmt.Sprintf("the Convention enters into force after %d instruments of ratification, acceptance, approval or accession (article 65(1)), not %d signatures",
				treaty.RatificationsForEntryIntoForce, treaty.RatificationsForEntryIntoForce)
			if sr != nil {
				fc.setOfficial(sr, n.date.to)
			}
			return fc, true
		}
	}
	if sr == nil {
		return fc, false
	}
	fc.setOfficial(sr, n.date.to)
	if key == keyNeeded && threshold {
		fc.Verdict, fc.Note = VerdictOK, "the threshold of article 65(1)"
		return fc, true
	}
	first, last := sr.step(n.date.from), sr.step(n.date.to)
	for i := first; i <= last; i++ {
		if fits(c.Value, c.Qualifier, sr.value(i)) {
			fc.Verdict = VerdictOK
			return fc, true
		}
	}
	for i := first - 1; i >= -1; i-- {
		if fits(c.Value, c.Qualifier, sr.value(i)) {
			fc.Verdict = VerdictStale
			fc.RightFrom, fc.RightUntil = sr.bounds(i)
			fc.Note = "was the official count " + span(fc.RightFrom, fc.RightUntil)
			return fc, true
		}
	}
	fc.Verdict = VerdictDisagrees
	for i := last + 1; i < len(sr.vals); i++ {
		if fits(c.Value, c.Qualifier, sr.value(i)) {
			fc.RightFrom, fc.RightUntil = sr.bounds(i)
			fc.Note = "became the official count only " + span(fc.RightFrom, fc.RightUntil)
			break
		}
	}
	return fc, true
}

func (fc *FigureCheck) setOfficial(sr *series, day treaty.Date) {
	i := sr.step(day)
	v := sr.value(i)
	fc.Official = &v
	fc.OfficialSince, _ = sr.bounds(i)
}

func span(from, until *treaty.Date) string {
	switch {
	case from == nil && until == nil:
		return "always"
	case from == nil:
		return "until " + until.String()
	case until == nil:
		return "from " + from.String()
	case *from == *until:
		return "on " + from.String()
	}
	return "from " + from.String() + " to " + until.String()
}
