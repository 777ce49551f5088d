package store_test

import (
	"path/filepath"
	"testing"

	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/storetest"
)

// TestContract runs the store contract suite on bbolt: a file of its own per case.
func TestContract(t *testing.T) {
	storetest.Run(t, bbolt)
}

// bbolt gives a test an empty bbolt file.
func bbolt(t *testing.T) storetest.Storage {
	path := filepath.Join(t.TempDir(), "hw.db")
	return storetest.Storage{Open: func(opt store.Options) (store.DB, error) { return store.Open(path, opt) }}
}

// TestDumpContract copies a database with every kind of history from bbolt to bbolt.
func TestDumpContract(t *testing.T) {
	storetest.RunDump(t, bbolt, bbolt)
}
