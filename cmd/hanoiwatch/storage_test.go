package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
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

// TestServePostgres: the dashboard and the API served from a PostgreSQL database (a demo
// database migrated into it) answer as they do from the bbolt file.
func TestServePostgres(t *testing.T) {
	file := demoDB(t)
	dsn := pgtest.DSN(t)
	if _, errOut, err := hw(t, "migrate", "--from", file, "--to", dsn); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut)
	}
	fromFile, fromPG := serveDB(t, file), serveDB(t, dsn)
	for _, path := range []string{"/api/sources", "/api/sources/vtv", "/api/sources/vtv/diff", "/api/figures", "/api/events", "/sources/vtv"} {
		want, got := get(t, fromFile+path), get(t, fromPG+path)
		if got != want {
			t.Errorf("%s served from PostgreSQL differs from the file's:\n%s\nwant\n%s", path, got, want)
		}
	}
	// The board's charts end at the time of the request: their points, and what each says,
	// must be the same.
	points := regexp.MustCompile(`<title>[^<]*</title>`)
	want, got := points.FindAllString(get(t, fromFile+"/figures"), -1), points.FindAllString(get(t, fromPG+"/figures"), -1)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("the figures board's points from PostgreSQL:\n%v\nwant\n%v", got, want)
	}
	if page := get(t, fromPG+"/sources/vtv"); !strings.Contains(page, "<del>65</del>") {
		t.Errorf("vtv's page from PostgreSQL lacks the edit 65 → 72:\n%s", page)
	}
}

// get returns the body of a 200 answer.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, body)
	}
	return string(body)
}

// TestSharedWatchList: a source added with the CLI to a PostgreSQL database, while a
// daemon runs on it, is checked by that daemon (it reads the shared watch list again),
// and one removed is dropped from its schedule.
func TestSharedWatchList(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dsn := pgtest.DSN(t)
	site := fixture.New()
	addr := freePort(t)
	e := newEnv(t, site, fmt.Sprintf("defaults:\n  schedule: \"@every 1s\"\nhttp:\n  listen: %q\n", addr))
	e.db = dsn
	cmd := exec.Command(binary(t), "run", "--config", e.cfg, "--db", dsn)
	var logs syncBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	eventually(t, "the daemon's first checks", 30*time.Second, func() bool { return len(apiEvents(t, addr)) >= 5 })
	if _, errOut, err := hw(t, "add", e.base+site.Path("vtv")+"?copy=1", "--name", "vtv-copy", "--config", e.cfg, "--db", dsn); err != nil {
		t.Fatalf("add: %v\n%s", err, errOut)
	}
	eventually(t, "the daemon to check the source added from the CLI", 2*watchlistPoll+10*time.Second, func() bool {
		for _, ev := range apiEvents(t, addr) {
			if ev.Source.Name == "vtv-copy" && ev.Type == watcher.ArticleNew {
				return true
			}
		}
		return false
	})
	if _, errOut, err := hw(t, "remove", "vtv-copy", "--config", e.cfg, "--db", dsn); err != nil {
		t.Fatalf("remove: %v\n%s", err, errOut)
	}
	eventually(t, "the daemon to drop the removed source", 2*watchlistPoll+10*time.Second, func() bool {
		return strings.Contains(logs.String(), "watch list changed in the shared database") &&
			strings.Count(logs.String(), "watch list changed in the shared database") >= 2
	})
}
