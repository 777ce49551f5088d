package store

import (
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/watcher"
)

// An article found at the URL a watched source moved to is that source, not a new one.
func TestCoverageKnowsMoves(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	now := time.Date(2025, 10, 28, 9, 0, 0, 0, time.UTC)
	const (
		oldURL = "https://vtv.vn/thoi-su/cong-uoc-ha-noi-100251025161328459.htm"
		newURL = "https://vtv.vn/the-gioi/cong-uoc-ha-noi-100251026090000000.htm"
	)
	err := s.Record(watcher.Record{Source: "vtv", Check: watcher.Check{Time: now, Result: watcher.ResultUnchanged, URL: newURL},
		State: watcher.State{Status: "ok", LastCheck: now, MovedTo: newURL}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	same := func(u string) string { return u }
	found := func(u, name string) watcher.Discovered {
		return watcher.Discovered{Coverage: watcher.Coverage{URL: u, Source: name, Job: "feeds", Found: now}}
	}
	outs, err := s.RecordCoverage([]watcher.Discovered{found(newURL, "vtv-moved"), found("https://vtv.vn/khac-100251027000000000.htm", "vtv-other")},
		[]watcher.Source{{Name: "vtv", URL: oldURL}}, same)
	if err != nil {
		t.Fatal(err)
	}
	if outs[0] != (watcher.Outcome{Source: "vtv"}) || !outs[1].New {
		t.Errorf("outcomes %+v: want the moved URL known as vtv, the other article new", outs)
	}
}
