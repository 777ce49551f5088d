package treaty

import (
	"cmp"
	"slices"
	"strings"
)

// Event types of the changes Compare finds; they are the watcher's event types too.
const (
	Signed        = "treaty.signed"   // a participant signed
	Ratified      = "treaty.ratified" // a participant deposited an instrument, of whatever kind
	CountsChanged = "treaty.counts"   // the signatory or party count changed (see Counts)
)

// Change is one new action in the status table.
type Change struct {
	Type        string     `json:"type"` // Signed or Ratified
	Participant string     `json:"participant"`
	Date        Date       `json:"date"`                 // date of signature or of deposit
	Instrument  Instrument `json:"instrument,omitempty"` // for Ratified
}

// Counts is the change of the header counts between two readings, with what they mean for
// entry into force after the change.
type Counts struct {
	SignatoriesBefore   int   `json:"signatories_before"`
	SignatoriesAfter    int   `json:"signatories_after"`
	PartiesBefore       int   `json:"parties_before"`
	PartiesAfter        int   `json:"parties_after"`
	RatificationsNeeded int   `json:"ratifications_needed"`
	EntryIntoForce      *Date `json:"entry_into_force,omitempty"` // once the fortieth instrument is deposited
}

// Compare lists what before lacks and after has: a signature date where there was none, an
// instrument where there was none, ordered by date, then signatures before instruments, then
// by name. Corrections of a date already recorded, and rows that disappear, are not changes:
// the depositary does not undo actions, so those are edits of the record, which the snapshot
// diff shows anyway. Counts is nil when neither count changed.
//
// A zero before (the first reading) makes every signature and instrument a change; a caller
// recording its first snapshot may prefer to report only the counts.
func Compare(before, after Status) ([]Change, *Counts) {
	old := make(map[string]Participant, len(before.Participants))
	for _, p := range before.Participants {
		old[p.Name] = p
	}
	var cs []Change
	for _, p := range after.Participants {
		o, known := old[p.Name]
		if p.Signed != nil && (!known || o.Signed == nil) {
			cs = append(cs, Change{Type: Signed, Participant: p.Name, Date: *p.Signed})
		}
		if p.Deposited != nil && (!known || o.Deposited == nil) {
			cs = append(cs, Change{Type: Ratified, Participant: p.Name, Date: *p.Deposited, Instrument: p.Instrument})
		}
	}
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(a.Date.Compare(b.Date), strings.Compare(b.Type, a.Type), // "treaty.signed" first
			strings.Compare(sortKey(a.Participant), sortKey(b.Participant)), strings.Compare(a.Participant, b.Participant))
	})
	if before.Signatories == after.Signatories && before.Parties == after.Parties {
		return cs, nil
	}
	c := &Counts{
		SignatoriesBefore:   before.Signatories,
		SignatoriesAfter:    after.Signatories,
		PartiesBefore:       before.Parties,
		PartiesAfter:        after.Parties,
		RatificationsNeeded: after.RatificationsNeeded(),
	}
	if d, ok := after.EntryIntoForce(); ok {
		c.EntryIntoForce = &d
	}
	return cs, c
}
