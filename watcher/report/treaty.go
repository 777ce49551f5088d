package report

import (
	"fmt"
	"slices"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/treaty"
)

// officialRecord is the latest reading of one treaty-status source.
type officialRecord struct {
	src    watcher.Source
	state  watcher.State
	snap   watcher.Snapshot // the reading's snapshot: id and the time it was first stored
	status treaty.Status
}

// Treaty is the official status of the Convention as one treaty-status source last read
// it.
type Treaty struct {
	Source              string                `json:"source"`
	URL                 string                `json:"url"`
	Snapshot            string                `json:"snapshot"`
	Stored              time.Time             `json:"stored"`       // when this reading was first stored
	Checked             time.Time             `json:"checked"`      // the last check of the source
	CheckStatus         string                `json:"check_status"` // "ok", "failing", "suspect", "gone": whether the last check confirmed it
	Signatories         int                   `json:"signatories"`
	Parties             int                   `json:"parties"`
	RatificationsNeeded int                   `json:"ratifications_needed"`
	EntryIntoForce      *treaty.Date          `json:"entry_into_force,omitempty"` // known once the fortieth counting instrument is deposited
	Fortieth            *treaty.ActionDetail  `json:"fortieth,omitempty"`         // that instrument
	LatestSignatures    []treaty.ActionDetail `json:"latest_signatures"`          // newest first
	LatestInstruments   []treaty.ActionDetail `json:"latest_instruments"`         // newest first
}

// Treaty reads the latest snapshot of every treaty-status source (or of the named ones),
// most recently stored first, listing at most latest signatures and instruments. A source
// never read successfully is an error when named, skipped otherwise; no treaty-status
// source with a snapshot is an error that says what to run.
func (s *Service) Treaty(names []string, latest int) ([]Treaty, error) {
	recs, err := s.officialRecords(names)
	if err != nil {
		return nil, err
	}
	out := make([]Treaty, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.report(latest))
	}
	return out, nil
}

func (s *Service) officialRecords(names []string) ([]officialRecord, error) {
	all, err := s.List.Sources()
	if err != nil {
		return nil, err
	}
	var srcs []watcher.Source
	for _, src := range all {
		if src.Kind == watcher.KindTreatyStatus {
			srcs = append(srcs, src)
		}
	}
	if len(names) > 0 {
		if srcs, err = Pick(srcs, names); err != nil {
			return nil, err
		}
	}
	if len(srcs) == 0 {
		return nil, failf(watcher.ErrNotFound, "no source of kind %s in the watch list (the seeds have un-treaty-status; a config needs `kind: %s`)", watcher.KindTreatyStatus, watcher.KindTreatyStatus)
	}
	var out []officialRecord
	for _, src := range srcs {
		r, ok, err := s.officialRecord(src)
		if err != nil {
			return nil, err
		}
		if !ok {
			if len(names) > 0 {
				return nil, failf(watcher.ErrNotFound, "no snapshot of %s yet: run `hanoiwatch check %s`", src.Name, src.Name)
			}
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, failf(watcher.ErrNotFound, "no snapshot of the treaty status yet: run `hanoiwatch check %s`", srcs[0].Name)
	}
	slices.SortStableFunc(out, func(x, y officialRecord) int { return y.snap.Time.Compare(x.snap.Time) })
	return out, nil
}

// officialRecord reads the latest reading of one treaty-status source; ok is false when
// it has none.
func (s *Service) officialRecord(src watcher.Source) (officialRecord, bool, error) {
	st, err := s.Store.State(src.Name)
	if err != nil || st.Snapshot == "" {
		return officialRecord{}, false, err
	}
	text, err := s.Store.Text(src.Name, st.Snapshot)
	if err != nil {
		return officialRecord{}, false, err
	}
	status, err := treaty.ParseText(text)
	if err != nil {
		return officialRecord{}, false, fmt.Errorf("%s: snapshot %s: %w", src.Name, st.Snapshot, err)
	}
	snaps, err := s.Store.Snapshots(src.Name)
	if err != nil {
		return officialRecord{}, false, err
	}
	return officialRecord{src: src, state: st, snap: current(st, snaps), status: status}, true, nil
}

// current is the snapshot a state points to: the last of that id, since a text can come
// back; when retention has dropped it, a stand-in with the id and the last change.
func current(st watcher.State, snaps []watcher.Snapshot) watcher.Snapshot {
	snap := watcher.Snapshot{ID: st.Snapshot, Time: st.LastChange}
	for _, sn := range snaps {
		if sn.ID == st.Snapshot {
			snap = sn
		}
	}
	return snap
}

func (r officialRecord) report(latest int) Treaty {
	s := r.status
	out := Treaty{Source: r.src.Name, URL: r.src.URL, Snapshot: r.snap.ID, Stored: r.snap.Time.UTC(),
		Checked: r.state.LastCheck.UTC(), CheckStatus: string(r.state.Status), Signatories: s.Signatories, Parties: s.Parties,
		RatificationsNeeded: s.RatificationsNeeded(),
		LatestSignatures:    []treaty.ActionDetail{}, LatestInstruments: []treaty.ActionDetail{}}
	if d, ok := s.EntryIntoForce(); ok {
		out.EntryIntoForce = &d
		if p, ok := s.Fortieth(); ok {
			out.Fortieth = &treaty.ActionDetail{Participant: p.Name, Date: *p.Deposited, Instrument: p.Instrument}
		}
	}
	for _, p := range s.Participants {
		if p.Signed != nil {
			out.LatestSignatures = append(out.LatestSignatures, treaty.ActionDetail{Participant: p.Name, Date: *p.Signed})
		}
		if p.Deposited != nil {
			out.LatestInstruments = append(out.LatestInstruments, treaty.ActionDetail{Participant: p.Name, Date: *p.Deposited, Instrument: p.Instrument})
		}
	}
	// Participants are in the depositary's (alphabetical) order, which a stable sort by
	// date keeps among actions of the same day.
	newest := func(x, y treaty.ActionDetail) int { return y.Date.Compare(x.Date) }
	slices.SortStableFunc(out.LatestSignatures, newest)
	slices.SortStableFunc(out.LatestInstruments, newest)
	latest = max(latest, 0)
	out.LatestSignatures = out.LatestSignatures[:min(latest, len(out.LatestSignatures))]
	out.LatestInstruments = out.LatestInstruments[:min(latest, len(out.LatestInstruments))]
	return out
}
