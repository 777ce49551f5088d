// Package postgres keeps hanoiwatch's data in a PostgreSQL database (storage.driver:
// postgres), which several daemons, the CLI and serve share from any machine. It answers
// store.DB as the bbolt file does, and coordinates the daemons through the same database.
//
// The schema is the migrations embedded in migrations/, applied at Open by jackc/tern
// (pgx's own migration library) under its advisory lock, so that daemons starting
// together apply each one once. A database whose schema is newer than this binary's is
// refused: a binary never downgrades it, nor writes to a layout it does not know.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

var (
	_ store.DB     = (*DB)(nil)
	_ store.Dumper = (*DB)(nil)
)

//go:embed migrations/*.sql
var migrations embed.FS

// versionTable is where tern keeps the schema version.
const versionTable = "hanoiwatch_schema"

// DB is an open PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
	ret  store.Retention
	ro   bool
	addr string // the DSN without its password, for Path
	now  func() time.Time

	// Quiet records (see Record) wait here, per source in check order, for the next flush.
	// A flush excludes the commits of other records (order), so that a source's records
	// reach the database in the order they were made.
	order    sync.RWMutex
	mu       sync.Mutex // guards the fields below
	pending  map[string][]watcher.Record
	npending int
	timer    *time.Timer
	flushErr error
	closed   bool

	reads stateReads
}

// Open connects to the database at dsn and brings its schema up to this binary's. A
// read-only DB (serve) applies no migration, and refuses a database behind this binary's
// schema with the command that upgrades it.
func Open(ctx context.Context, dsn string, opt store.Options) (*DB, error) {
	addr := Redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("storage.dsn %s: %w", addr, err)
	}
	if opt.ReadOnly {
		// The server refuses every write of a read-only DB, whatever a method would do.
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", addr, err)
	}
	db := &DB{pool: pool, ret: opt.Retention, ro: opt.ReadOnly, addr: addr, now: time.Now}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres %s: %w", addr, err)
	}
	return db, nil
}

// migrationFiles is the migrations folder as tern reads it, the files at its root.
func migrationFiles() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // a constant, valid path
	}
	return sub
}

// migrate applies the migrations this database lacks, or says why it cannot.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if db.ro {
		// tern makes its version table when it is missing: a read-only DB cannot, and says
		// why rather than pass on the server's refusal of the CREATE.
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", versionTable).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return errors.New("no hanoiwatch schema in this database: a command that writes (check, run) makes it")
		}
	}
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(migrationFiles()); err != nil {
		return err
	}
	have, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return err
	}
	want := int32(len(m.Migrations))
	switch {
	case have > want:
		return fmt.Errorf("database schema %d, this hanoiwatch knows schemas up to %d: a newer hanoiwatch wrote it; run that version (this one will not downgrade it)", have, want)
	case have < want && db.ro:
		return fmt.Errorf("database schema %d, this hanoiwatch reads schema %d: a command that writes (check, run) upgrades it", have, want)
	case have < want:
		return m.Migrate(ctx)
	}
	return nil
}

// Path returns the database's address without its password.
func (db *DB) Path() string { return db.addr }

// Close writes the quiet records still waiting, then closes the connections.
func (db *DB) Close() error {
	db.mu.Lock()
	db.closed = true
	if db.timer != nil {
		db.timer.Stop()
	}
	db.mu.Unlock()
	err := db.Flush()
	db.pool.Close()
	return err
}

// Redact returns dsn with its password hidden, for logs and errors.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(a key=value DSN)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// opTimeout bounds one method's work on the database: a server that stops answering is
// an error after it, not a daemon stuck.
const opTimeout = time.Minute

// op returns the context of one method's work.
func op() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// errReadOnly is returned by the writes of a DB opened read-only.
var errReadOnly = errors.New("database opened read-only")

// wrap names the database in an error, so that a lost connection says which one; a
// record not found, or a bad cursor, is the caller's answer and is returned as is.
func (db *DB) wrap(what string, err error) error {
	if err == nil || errors.Is(err, watcher.ErrNotFound) || errors.Is(err, watcher.ErrCursor) {
		return err
	}
	return fmt.Errorf("postgres %s: %s: %w", db.addr, what, err)
}

// write runs fn in a transaction, or refuses when the DB is read-only.
func (db *DB) write(what string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if db.ro {
		return db.wrap(what, errReadOnly)
	}
	ctx, cancel := op()
	defer cancel()
	return db.wrap(what, pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return fn(ctx, tx) }))
}

// Lock classes of the transaction-scoped advisory locks (pg_advisory_xact_lock(class, key)),
// which order writers that no row lock orders: see events.go and outbox.go.
const (
	lockEvents   = 0x68770001 // key 0: the events' sequence
	lockEndpoint = 0x68770002 // key hashtext(endpoint): an endpoint's queue
	lockCoverage = 0x68770003 // key 0: the coverage list
)

// lock takes an advisory lock until the transaction ends.
func lock(ctx context.Context, tx pgx.Tx, class int32, key string) error {
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", class, key)
	return err
}

// nanos is t in Unix nanoseconds, the form of the columns that select rows by time; times
// beyond int64's range (the zero time) are its ends.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}
