package main

import (
	"os"
	"strings"
	"testing"

	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

// TestCheckPipelinePostgres runs the pipeline's story (new, churn, edit, gone, restored,
// a failing source, diff and show) on PostgreSQL, named with --db postgres://.
func TestCheckPipelinePostgres(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	e.db = pgtest.DSN(t)
	testCheckPipeline(t, e)
}

// TestPostgresFromConfig: storage.driver postgres with its dsn from the environment; two
// commands at once share the database (no "in use"); a wrong password is an error that
// names the database without the password.
func TestPostgresFromConfig(t *testing.T) {
	dsn := pgtest.DSN(t)
	e := newEnv(t, fixture.New(), "storage:\n  driver: postgres\n  dsn: ${HANOIWATCH_TEST_DSN}\n")
	t.Setenv("HANOIWATCH_TEST_DSN", dsn)
	out, errOut, err := hw(t, "check", "--json", "--config", e.cfg)
	if err := ran(err); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut)
	}
	if n := len(events(t, out)); n != 5 {
		t.Fatalf("check on postgres: %d events, want 5", n)
	}
	done := make(chan error, 2)
	for range 2 {
		go func() {
			out, _, err := hw(t, "sources", "--config", e.cfg)
			if err == nil && !strings.Contains(out, "vtv") {
				err = os.ErrNotExist
			}
			done <- err
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("sources, two at once on postgres: %v", err)
		}
	}
	bad := strings.Replace(dsn, "postgres@", "postgres:s3cret-pw@", 1)
	bad = strings.Replace(bad, "/hw_", "/nodb_", 1)
	t.Setenv("HANOIWATCH_TEST_DSN", bad)
	_, _, err = hw(t, "sources", "--config", e.cfg)
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "nodb_") {
		t.Fatalf("a database that does not exist: %v, want an error naming it without the password", err)
	}
}

// TestPostgresUnreachable: a server that does not answer is an error naming its address,
// for a read command as for check.
func TestPostgresUnreachable(t *testing.T) {
	for _, cmd := range []string{"sources", "check"} {
		_, _, err := hw(t, cmd, "--db", "postgres://hw:pw@127.0.0.1:1/hanoiwatch")
		if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1/hanoiwatch") || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%s on an unreachable server: %v", cmd, err)
		}
	}
}
