package treaty

// This file adapts the pure reading of the status to the watcher's pipeline: the snapshot
// text of a treaty-status source (Snapshot, ParseText) and the events its changes make
// (Interpreter). It is the only file of the package that knows the rest of hanoiwatch.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// Snapshot reads a status body (the XML document, or the HTML status page as a fallback) and
// returns the snapshot text of the source: Status.Text, which ParseText reads back. The
// maintenance page gives ErrUnavailable and anything unreadable an error wrapping
// ErrMalformed, so that the pipeline records a failed check and the last good snapshot stays
// the one the next reading is compared with. A reading without a single participant is
// refused too: the Convention has had signatories since its opening for signature, so an
// empty table is a broken document, and taking it would "withdraw" every signature.
func Snapshot(body []byte, contentType string) (string, error) {
	s, err := Parse(body, contentType)
	if err != nil {
		return "", err
	}
	if len(s.Participants) == 0 {
		return "", fmt.Errorf("%w: no participant in the status table", ErrMalformed)
	}
	return s.Text(), nil
}

var (
	textCountRE = regexp.MustCompile(`^(signatories|parties): (\d+)$`)
	// The two derived lines of Text: recomputed from the table, never read (see ParseText).
	textDerivedRE = regexp.MustCompile(`^(ratifications needed for entry into force: \d+|entry into force: \d{4}-\d{2}-\d{2})$`)
	// A participant's actions are suffixes of its line, so that a name is taken whole
	// whatever it holds; no name ends with " | signature 2025-10-25".
	textInstrumentRE = regexp.MustCompile(` \| (ratification|acceptance|approval|accession) (\d{4}-\d{2}-\d{2})$`)
	textSignatureRE  = regexp.MustCompile(` \| signature (\d{4}-\d{2}-\d{2})$`)
)

// ParseText reads back the Status that Text rendered: the counts and the participants. It
// accepts the text as the pipeline stores it too (white space collapsed, the blank line
// dropped). The Source field is not part of the text and stays "". The derived lines
// (ratifications needed, entry into force) are skipped rather than checked: they follow
// from the table, and a later correction of how they are computed (another regional
// organization, say) must not make every stored snapshot unreadable.
func ParseText(text string) (Status, error) {
	s := Status{}
	seenSig, seenPar := false, false
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || textDerivedRE.MatchString(line) {
			continue
		}
		if m := textCountRE.FindStringSubmatch(line); m != nil && len(s.Participants) == 0 {
			v, err := strconv.Atoi(m[2])
			if err != nil {
				return Status{}, fmt.Errorf("%w: snapshot text line %d: %v", ErrMalformed, n, err)
			}
			if m[1] == "signatories" {
				s.Signatories, seenSig = v, true
			} else {
				s.Parties, seenPar = v, true
			}
			continue
		}
		if !seenSig || !seenPar {
			return Status{}, fmt.Errorf("%w: snapshot text line %d: %q before the counts", ErrMalformed, n, line)
		}
		p := Participant{}
		if m := textInstrumentRE.FindStringSubmatch(line); m != nil {
			d, err := ParseDate(m[2])
			if err != nil {
				return Status{}, fmt.Errorf("%w: snapshot text line %d: %v", ErrMalformed, n, err)
			}
			p.Instrument, p.Deposited = Instrument(m[1]), &d
			line = line[:len(line)-len(m[0])]
		}
		if m := textSignatureRE.FindStringSubmatch(line); m != nil {
			d, err := ParseDate(m[1])
			if err != nil {
				return Status{}, fmt.Errorf("%w: snapshot text line %d: %v", ErrMalformed, n, err)
			}
			p.Signed = &d
			line = line[:len(line)-len(m[0])]
		}
		if line == "" || strings.HasPrefix(line, "| ") || strings.Contains(line, " | ") {
			return Status{}, fmt.Errorf("%w: snapshot text line %d: %q is not a participant line", ErrMalformed, n, sc.Text())
		}
		if names[line] {
			return Status{}, fmt.Errorf("%w: snapshot text: %s is listed twice", ErrMalformed, line)
		}
		names[line] = true
		p.Name = line
		s.Participants = append(s.Participants, p)
	}
	if err := sc.Err(); err != nil {
		return Status{}, fmt.Errorf("%w: snapshot text: %v", ErrMalformed, err)
	}
	if !seenSig || !seenPar {
		return Status{}, fmt.Errorf("%w: snapshot text without its counts", ErrMalformed)
	}
	Sort(s.Participants)
	return s, nil
}

// Fortieth is the participant whose instrument is the fortieth that counts toward entry
// into force (article 65(1): not the European Union's), ok false before there are forty.
// Of several deposits on the fortieth's day the one first in Sort order is named: the
// depositary's own order of the day is not published, and the date is the same.
func (s Status) Fortieth() (Participant, bool) {
	var ps []Participant
	for _, p := range s.Participants {
		if p.Deposited != nil && p.Instrument != "" && !reio[p.Name] {
			ps = append(ps, p)
		}
	}
	if len(ps) < RatificationsForEntryIntoForce {
		return Participant{}, false
	}
	Sort(ps)
	ds := s.counting()
	day := ds[RatificationsForEntryIntoForce-1]
	for _, p := range ps {
		if *p.Deposited == day {
			return p, true
		}
	}
	return Participant{}, false // unreachable: day is one of the deposits
}

// ActionDetail is the Detail of a treaty.signed or treaty.ratified event.
type ActionDetail struct {
	Participant string     `json:"participant"`          // as the depositary names it: "Côte d'Ivoire"
	Date        Date       `json:"date"`                 // of signature, or of deposit of the instrument
	Instrument  Instrument `json:"instrument,omitempty"` // treaty.ratified: ratification, acceptance, approval or accession
}

// CountsDetail is the Detail of a treaty.counts event. The before counts are null in the
// event of the first reading: nothing was known before it, and 0 → 72 would announce 72
// signatures that happened before hanoiwatch looked.
type CountsDetail struct {
	SignatoriesBefore   *int  `json:"signatories_before"`
	SignatoriesAfter    int   `json:"signatories_after"`
	PartiesBefore       *int  `json:"parties_before"`
	PartiesAfter        int   `json:"parties_after"`
	RatificationsNeeded int   `json:"ratifications_needed"`       // for entry into force, after the change
	EntryIntoForce      *Date `json:"entry_into_force,omitempty"` // once the fortieth counting instrument is deposited
}

// Interpreter gives a treaty-status source its own events (see watcher.Interpreter):
//
//   - the first reading (article.new) gives one treaty.counts event with the current counts
//     and null before counts, not one event per signature already in the table: those are
//     history, not news, and seventy-two notifications would bury the count;
//   - a later reading gives one treaty.signed or treaty.ratified event per new action
//     (Compare's order: by date, signatures first, then by name), then one treaty.counts
//     event when the signatory or party count moved;
//   - a reading that changed the text but neither added an action nor moved a count (a
//     date corrected, a footnote's participant renamed) keeps the pipeline's
//     article.changed event with the text diff, so that an edit of the record is not
//     silent;
//   - article.restored with a new snapshot (the record answering again after a
//     fetch.failed, changed meanwhile) is kept and followed by the events of the change.
//
// Event ids are stable: EventID(type, source, participant, date) for an action, so that a
// signature seen twice (a row gone and back) is one event to a receiver that drops
// duplicates; for the counts, EventID(type, source, id of the pipeline's event), which a
// re-run of the same check gives again but a record flapping between two cached versions
// does not: 74 → 75 a second time is news to a receiver that saw 75 → 74. Events keep the
// source, time, snapshot and previous snapshot of the pipeline's event; their figures are
// empty (the record's numbers are in Detail); only treaty.counts carries the text diff of
// the table, which would otherwise be repeated in every event of the reading.
type Interpreter struct{}

// Interpret implements watcher.Interpreter.
func (Interpreter) Interpret(src watcher.Source, previous, current string, ev watcher.Event) ([]watcher.Event, error) {
	after, err := ParseText(current)
	if err != nil {
		return nil, fmt.Errorf("treaty: snapshot %s of %s: %w", ev.Snapshot, src.Name, err)
	}
	var out []watcher.Event
	if ev.Type == watcher.ArticleRestored {
		ev.Figures = []figures.Change{}
		out = append(out, ev)
	}
	if ev.Type == watcher.ArticleNew || previous == "" {
		c := CountsDetail{SignatoriesAfter: after.Signatories, PartiesAfter: after.Parties,
			RatificationsNeeded: after.RatificationsNeeded()}
		if d, ok := after.EntryIntoForce(); ok {
			c.EntryIntoForce = &d
		}
		e, err := countsEvent(src, ev, c)
		if err != nil {
			return nil, err
		}
		return append(out, e), nil
	}
	before, err := ParseText(previous)
	if err != nil {
		return nil, fmt.Errorf("treaty: snapshot %s of %s: %w", ev.Previous, src.Name, err)
	}
	changes, counts := Compare(before, after)
	for _, ch := range changes {
		e := derived(ev, ch.Type, watcher.EventID(ch.Type, src.Name, ch.Participant, ch.Date.String()))
		d := ActionDetail{Participant: ch.Participant, Date: ch.Date, Instrument: ch.Instrument}
		if ch.Type == Signed {
			e.Title = fmt.Sprintf("%s signed the Convention on %s", ch.Participant, ch.Date)
		} else {
			e.Title = fmt.Sprintf("%s deposited its instrument of %s on %s", ch.Participant, ch.Instrument, ch.Date)
		}
		if e.Detail, err = json.Marshal(d); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if counts != nil {
		sb, pb := counts.SignatoriesBefore, counts.PartiesBefore
		e, err := countsEvent(src, ev, CountsDetail{SignatoriesBefore: &sb, SignatoriesAfter: counts.SignatoriesAfter,
			PartiesBefore: &pb, PartiesAfter: counts.PartiesAfter, RatificationsNeeded: counts.RatificationsNeeded,
			EntryIntoForce: counts.EntryIntoForce})
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(changes) == 0 && counts == nil && ev.Type == watcher.ArticleChanged {
		ev.Figures = []figures.Change{}
		out = append(out, ev)
	}
	return out, nil
}

// derived starts an event of the record from the pipeline's event of the same check.
func derived(ev watcher.Event, typ, id string) watcher.Event {
	return watcher.Event{ID: id, Type: typ, Time: ev.Time, Source: ev.Source, Snapshot: ev.Snapshot,
		Previous: ev.Previous, Figures: []figures.Change{}}
}

func countsEvent(src watcher.Source, ev watcher.Event, c CountsDetail) (watcher.Event, error) {
	e := derived(ev, CountsChanged, watcher.EventID(CountsChanged, src.Name, ev.ID))
	e.Diff = ev.Diff
	var title strings.Builder
	if c.SignatoriesBefore == nil {
		fmt.Fprintf(&title, "%d signatories, %d parties", c.SignatoriesAfter, c.PartiesAfter)
	} else {
		fmt.Fprintf(&title, "Signatories %d → %d, parties %d → %d", *c.SignatoriesBefore, c.SignatoriesAfter,
			*c.PartiesBefore, c.PartiesAfter)
	}
	if c.EntryIntoForce != nil {
		fmt.Fprintf(&title, "; entry into force on %s", c.EntryIntoForce)
	} else {
		fmt.Fprintf(&title, "; %d more ratifications needed for entry into force", c.RatificationsNeeded)
	}
	e.Title = title.String()
	var err error
	e.Detail, err = json.Marshal(c)
	return e, err
}
