// Package pgtest gives tests a PostgreSQL database of their own on the test server.
//
// The server is the one HANOIWATCH_TEST_POSTGRES names (.ci/test starts a throwaway one
// with .ci/pg.sh when PostgreSQL is installed). Without it the tests that need it skip,
// saying why; with HANOIWATCH_REQUIRE_POSTGRES=1 (CI) they fail instead, so that a CI
// machine without the server cannot pass them by skipping.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable that holds the test server's address.
const Env = "HANOIWATCH_TEST_POSTGRES"

var seq atomic.Int64

// Server returns the test server's address (an administrator's, on its postgres
// database), or skips the test.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("HANOIWATCH_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("%s is not set: this run requires PostgreSQL (see .ci/pg.sh)", Env)
		}
		t.Skipf("no PostgreSQL: set %s to a server's address, or run .ci/test where PostgreSQL is installed", Env)
	}
	return dsn
}

// DSN returns the address of a new, empty database on the test server, dropped when the
// test ends.
func DSN(t testing.TB) string {
	t.Helper()
	admin := Server(t)
	name := fmt.Sprintf("hw_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}

func exec(t testing.TB, dsn, sql string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", redact(dsn), err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// redact hides the password of the server's address (postgres.Redact is out of reach:
// the driver's own tests import this package).
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return "the server of " + Env
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}
