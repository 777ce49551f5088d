package store

import (
	"path/filepath"
	"testing"
)

// robots.txt answers survive the process, in a file that had no robots bucket before.
func TestRobots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	if e, err := s.Robots("https://vtv.vn"); err != nil || e != nil {
		t.Fatalf("empty store: %q, %v", e, err)
	}
	if err := s.PutRobots("https://vtv.vn", []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRobots("https://vtv.vn", []byte("second")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro := open(t, path, Options{ReadOnly: true})
	if e, err := ro.Robots("https://vtv.vn"); err != nil || string(e) != "second" {
		t.Errorf("after reopening: %q, %v; want the last entry", e, err)
	}
	if e, _ := ro.Robots("http://vtv.vn"); e != nil {
		t.Errorf("another origin: %q", e)
	}
	if err := ro.PutRobots("https://nhandan.vn", []byte("x")); err != nil {
		t.Errorf("a read-only store refused to keep nothing: %v", err)
	}
}
