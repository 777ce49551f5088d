package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher/fixture"
)

// webhookConfig is the notify section of a config with one webhook, rx, at url.
func webhookConfig(url string) string {
	return fmt.Sprintf("notify:\n  endpoints:\n    - name: rx\n      url: %s\n      secret: notify-test-secret-0123456789\n", url)
}

// TestCheckSaysWhatWasDelivered: `check` ends with what became of the notifications.
func TestCheckSaysWhatWasDelivered(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	e := newEnv(t, fixture.New(), webhookConfig(hook.URL))
	out, errOut, err := hw(t, "check", "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "notifications: 5 delivered, 0 to retry, 0 dead") {
		t.Errorf("check's output does not say what was delivered:\n%s", out)
	}
	// Nothing changed, nothing sent: no line.
	if out, _, _ := hw(t, "check", "--config", e.cfg, "--db", e.db); strings.Contains(out, "notifications:") {
		t.Errorf("a check with no events speaks of notifications:\n%s", out)
	}
}

// TestDaemonDeliveryMetrics runs the daemon with a webhook and reads its /metrics: the
// five article.new events delivered, nothing pending or dead.
func TestDaemonDeliveryMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	addr := freePort(t)
	e := newEnv(t, fixture.New(), fmt.Sprintf("http:\n  listen: %q\n", addr)+webhookConfig(hook.URL))
	var logs syncBuffer
	cmd := exec.Command(binary(t), "run", "--config", e.cfg, "--db", e.db)
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	}()
	metrics := func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	want := []string{
		`hanoiwatch_delivery_attempts_total{endpoint="rx",outcome="delivered"} 5`,
		`hanoiwatch_delivery_attempts_total{endpoint="rx",outcome="retry"} 0`,
		`hanoiwatch_deliveries_pending{endpoint="rx"} 0`,
		`hanoiwatch_deliveries_dead{endpoint="rx"} 0`,
		`hanoiwatch_delivery_oldest_pending_age_seconds{endpoint="rx"} 0`,
		`hanoiwatch_delivery_latency_seconds_count 5`,
	}
	eventually(t, "five deliveries on /metrics", 20*time.Second, func() bool {
		m := metrics()
		for _, w := range want {
			if !strings.Contains(m, w+"\n") {
				return false
			}
		}
		return true
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("daemon exited with %v", err)
	}
}

// TestNotifyTestTable: receivers whose answers end in a newline, or hold several lines or
// tabs, still get one row each in `notify test`'s table.
func TestNotifyTestTable(t *testing.T) {
	answers := map[string]string{"/a": "accepted\n", "/b": "line one\nline two\r\n\n", "/c": "col\tumns\t\n"}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, answers[r.URL.Path])
	}))
	defer hook.Close()
	var cfg strings.Builder
	cfg.WriteString("notify:\n  endpoints:\n")
	for _, n := range []string{"a", "b", "c"} {
		fmt.Fprintf(&cfg, "    - name: %s\n      url: %s/%s\n      secret: notify-test-secret-0123456789\n", n, hook.URL, n)
	}
	path := filepath.Join(t.TempDir(), "hw.yaml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := hw(t, "notify", "test", "--config", path)
	if err != nil {
		t.Fatalf("notify test: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{"accepted", "line one line two", "col umns"}
	if len(lines) != 1+len(want) {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), len(want), out)
	}
	answerAt := strings.Index(lines[0], "ANSWER") // the header is ASCII: bytes are characters
	for i, w := range want {
		if row := []rune(lines[i+1]); len(row) < answerAt || string(row[answerAt:]) != w {
			t.Errorf("row %d = %q, want the answer %q under ANSWER", i+1, string(row), w)
		}
	}
}

// TestConfigValidateChannelURLs: `config validate` refuses channel URLs their service
// cannot use, naming the file, the line and the field, and says ok for a good one.
func TestConfigValidateChannelURLs(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ url, want string }{
		{"slack://nonsense", `:4: notify.endpoints[0].url: is not a valid "slack" service URL: invalid slack token format`},
		{`"telegram://"`, `:4: notify.endpoints[0].url: is not a valid "telegram" service URL: invalid telegram token`},
		{"slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook", ": ok"},
	} {
		path := filepath.Join(dir, "hw.yaml")
		if err := os.WriteFile(path, []byte("notify:\n  endpoints:\n    - name: newsroom\n      url: "+tt.url+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, _, err := hw(t, "config", "validate", path)
		got := out
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, path+tt.want) {
			t.Errorf("config validate with url %s: %q, want %q...", tt.url, got, path+tt.want)
		}
	}
}
