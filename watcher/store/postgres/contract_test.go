package postgres_test

import (
	"context"
	"path/filepath"
	"testing"

	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres"
	"hanoiwatch/watcher/store/postgres/pgtest"
	"hanoiwatch/watcher/store/storetest"
)

// TestContract runs the store contract suite on PostgreSQL: a database of its own per case.
func TestContract(t *testing.T) {
	storetest.Run(t, pg)
}

// TestDumpContract copies a database with every kind of history from bbolt to PostgreSQL,
// and from PostgreSQL to bbolt.
func TestDumpContract(t *testing.T) {
	t.Run("bbolt to postgres", func(t *testing.T) { storetest.RunDump(t, bbolt, pg) })
	t.Run("postgres to bbolt", func(t *testing.T) { storetest.RunDump(t, pg, bbolt) })
}

// pg gives a test an empty PostgreSQL database, shared by the handles it opens.
func pg(t *testing.T) storetest.Storage {
	dsn := pgtest.DSN(t)
	return storetest.Storage{Shared: true, Open: func(opt store.Options) (store.DB, error) {
		return postgres.Open(context.Background(), dsn, opt)
	}}
}

// bbolt gives a test an empty bbolt file.
func bbolt(t *testing.T) storetest.Storage {
	path := filepath.Join(t.TempDir(), "hw.db")
	return storetest.Storage{Open: func(opt store.Options) (store.DB, error) { return store.Open(path, opt) }}
}
