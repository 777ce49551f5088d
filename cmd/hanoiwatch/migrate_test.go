package main

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres/pgtest"
	"hanoiwatch/watcher/store/storetest"
)

// zooDB writes a bbolt database of every kind of history (the zoo and more) at path, and
// returns its watch list.
func zooDB(t *testing.T, path string) []watcher.Source {
	t.Helper()
	st, err := store.Open(path, storetest.ZooOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := storetest.History(st)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// dumps returns the items of every kind of the bbolt database at path.
func dumps(t *testing.T, path string) map[store.ItemKind][]store.Item {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return storetest.DumpAll(t, st)
}

// sameDumps fails the test unless both databases hold the same items.
func sameDumps(t *testing.T, a, b string) {
	t.Helper()
	da, db := dumps(t, a), dumps(t, b)
	for _, k := range store.ItemKinds {
		if len(da[k]) != len(db[k]) {
			t.Errorf("%s: %d items in %s, %d in %s", k, len(da[k]), a, len(db[k]), b)
			continue
		}
		for i := range da[k] {
			x, y := da[k][i], db[k][i]
			if x.Source != y.Source || x.Key != y.Key || string(x.Value) != string(y.Value) {
				t.Errorf("%s: item %d is %s in %s, %s in %s", k, i, x, a, y, b)
			}
		}
	}
}

// verified checks migrate's table: every kind, each ok.
func verified(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(store.ItemKinds)+1 || !strings.HasPrefix(lines[0], "KIND") {
		t.Fatalf("migrate's table:\n%s", out)
	}
	for i, k := range store.ItemKinds {
		f := strings.Fields(lines[i+1])
		if len(f) != 4 || f[0] != string(k) || f[1] == "0" || len(f[2]) != 12 || f[3] != "ok" {
			t.Errorf("migrate's line for %s: %q", k, lines[i+1])
		}
	}
}

// TestMigrate copies the zoo's database into another file: every kind verified, the
// same items, and every read command answers the same on the copy. A run again copies
// nothing.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "zoo.db"), filepath.Join(dir, "sub", "copy.db")
	list := zooDB(t, src)
	out, errOut, err := hw(t, "migrate", "--from", src, "--to", dst)
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut)
	}
	verified(t, out)
	sameDumps(t, src, dst)
	cfg, names := zooConfig(t, dir, list)
	want, got := zooReads(t, cfg, src, names), zooReads(t, cfg, dst, names)
	for i := range want {
		if got[i].out != want[i].out || (got[i].err == nil) != (want[i].err == nil) {
			t.Errorf("%s on the copy:\n%s%v\nwant\n%s%v", strings.Join(want[i].args, " "), got[i].out, got[i].err, want[i].out, want[i].err)
		}
	}
	out, errOut, err = hw(t, "migrate", "--from", src, "--to", dst)
	if err != nil || !strings.Contains(errOut, "copied 0 items") {
		t.Fatalf("migrate again: %v\n%s", err, errOut)
	}
	verified(t, out)
}

// TestMigrateResume interrupts a copy after every two batches: each run resumes where the
// one before stopped, and the last one verifies.
func TestMigrateResume(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "zoo.db"), filepath.Join(dir, "copy.db")
	zooDB(t, src)
	runs := 0
	for ; ; runs++ {
		if runs > 100 {
			t.Fatal("100 runs and the copy is not done")
		}
		out, errOut, err := hw(t, "migrate", "--from", src, "--to", dst, "--batch", "4", "--stop-after", "2")
		if errors.Is(err, errStopped) {
			continue
		}
		if err != nil {
			t.Fatalf("run %d: %v\n%s", runs, err, errOut)
		}
		verified(t, out)
		break
	}
	if runs < 10 {
		t.Errorf("the copy ended after %d interrupted runs: the batches are not 4 items", runs)
	}
	sameDumps(t, src, dst)
}

// TestMigrateKilled kills `hanoiwatch migrate` with SIGKILL after its k-th kind, for
// growing k, each run resuming the copy the one before left: the last run verifies, and
// the copy holds the source's items.
func TestMigrateKilled(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "zoo.db"), filepath.Join(dir, "copy.db")
	zooDB(t, src)
	for _, k := range []int{1, 3, 6, 9, 12} {
		cmd := exec.Command(bin, "migrate", "--from", src, "--to", dst, "--batch", "1")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc, kinds := bufio.NewScanner(stderr), 0
		for sc.Scan() {
			if strings.Contains(sc.Text(), "items copied in") {
				if kinds++; kinds == k {
					cmd.Process.Kill()
				}
			}
		}
		if err := cmd.Wait(); err == nil {
			t.Fatalf("the run killed after %d kinds ended well", k)
		}
	}
	out, errOut, err := hw(t, "migrate", "--from", src, "--to", dst)
	if err != nil {
		t.Fatalf("migrate after the kills: %v\n%s", err, errOut)
	}
	verified(t, out)
	sameDumps(t, src, dst)
	// The killed runs copied most: the last one resumed after them.
	total := 0
	for _, its := range dumps(t, src) {
		total += len(its)
	}
	var n int
	if _, err := fmt.Sscanf(errOut[strings.LastIndex(errOut, "\ncopied ")+1:], "copied %d items", &n); err != nil || n >= total/2 {
		t.Errorf("the run after the kills copied %d items of %d (%v):\n%s", n, total, err, errOut)
	}
}

// TestMigrateRefuses: errors name the flag as typed; a database another process holds,
// and a destination that is not a copy of the source, are refused.
func TestMigrateRefuses(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "zoo.db"), filepath.Join(dir, "copy.db")
	zooDB(t, src)
	missing := filepath.Join(dir, "nothing.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--to", dst}, "needs --from and --to"},
		{[]string{"--from", missing, "--to", dst}, "--from " + missing},
		{[]string{"--from", src, "--to", src}, "the same database"},
		{[]string{"--from", src, "--to", dst, "--batch", "0"}, "--batch 0"},
		{[]string{"--from", src, "--to", "postgres://hw:secret@127.0.0.1:1/hw?connect_timeout=1"}, "--to: postgres postgres://hw:xxxxx@127.0.0.1:1/hw"},
	} {
		_, _, err := hw(t, append([]string{"migrate"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("migrate %s: %v; want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	// A daemon holds the source.
	held, err := store.Open(src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = hw(t, "migrate", "--from", src, "--to", dst)
	held.Close()
	if err == nil || !strings.Contains(err.Error(), "--from "+src) || !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "stop the daemon") {
		t.Errorf("migrate from a database in use: %v", err)
	}
	// A destination with a history of its own.
	other, err := store.Open(dst, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.AddSource(watcher.Added{Name: "zzz", URL: "https://news.example/zzz"}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	_, _, err = hw(t, "migrate", "--from", src, "--to", dst)
	if err == nil || !strings.Contains(err.Error(), "added of zzz") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("migrate into another database: %v; want a refusal naming the added source zzz", err)
	}
	out, _, err := hw(t, "migrate", "--from", src, "--to", dst, "--force")
	if err == nil || !strings.Contains(err.Error(), "differs from the source in added") {
		t.Errorf("migrate --force into another database: %v; want the verification to name the kind that differs", err)
	}
	if !strings.Contains(out, "DIFFERS") {
		t.Errorf("migrate --force's table:\n%s", out)
	}
}

// TestMigratePostgres: the zoo's database copied into PostgreSQL, the copy interrupted
// and resumed, then back into a file: the same items as the original, and every read
// command answers the same on it.
func TestMigratePostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	src, back := filepath.Join(dir, "zoo.db"), filepath.Join(dir, "back.db")
	list := zooDB(t, src)
	for runs := 0; ; runs++ {
		if runs > 100 {
			t.Fatal("100 runs and the copy is not done")
		}
		out, errOut, err := hw(t, "migrate", "--from", src, "--to", dsn, "--batch", "7", "--stop-after", "3")
		if errors.Is(err, errStopped) {
			continue
		}
		if err != nil {
			t.Fatalf("bbolt to PostgreSQL, run %d: %v\n%s", runs, err, errOut)
		}
		verified(t, out)
		break
	}
	out, errOut, err := hw(t, "migrate", "--from", dsn, "--to", back)
	if err != nil {
		t.Fatalf("PostgreSQL to bbolt: %v\n%s", err, errOut)
	}
	verified(t, out)
	sameDumps(t, src, back)
	cfg, names := zooConfig(t, dir, list)
	want, got := zooReads(t, cfg, src, names), zooReads(t, cfg, back, names)
	for i := range want {
		if got[i].out != want[i].out || (got[i].err == nil) != (want[i].err == nil) {
			t.Errorf("%s on the copy's copy:\n%s%v\nwant\n%s%v", strings.Join(want[i].args, " "), got[i].out, got[i].err, want[i].out, want[i].err)
		}
	}
}
