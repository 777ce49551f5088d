package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

// TestSchemaVersions: Open applies the migrations once (a second Open finds nothing to do),
// and refuses a database of a newer schema than the binary's, saying so, without touching it.
func TestSchemaVersions(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	for range 2 {
		db, err := Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v int
	if err := c.QueryRow(ctx, "UPDATE "+versionTable+" SET version = version + 1 RETURNING version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dsn, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "knows schemas up to") || !strings.Contains(err.Error(), "will not downgrade") {
		t.Fatalf("Open of a newer schema: %v, want the refusal", err)
	}
	var after int
	if err := c.QueryRow(ctx, "SELECT version FROM "+versionTable).Scan(&after); err != nil || after != v {
		t.Fatalf("schema version after the refusal: %d (%v), want %d untouched", after, err, v)
	}
}

func TestRedact(t *testing.T) {
	got := Redact("postgres://hw:s3cret@db.example:5432/hw?sslmode=require")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db.example:5432/hw") {
		t.Fatalf("Redact: %s", got)
	}
}
