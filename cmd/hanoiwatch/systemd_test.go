package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hanoiwatch/config"
)

// unitFile reads a systemd unit into its directives, by section ("Service.Restart"); a
// directive given more than once keeps its values in order.
func unitFile(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: %q is not a directive", path, line)
			}
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

// TestSystemdUnit holds the unit to what the README promises of it, and its sample config
// to the unit: the database in the state directory, the token from the environment file.
// .ci/run has systemd-analyze verify the unit itself.
func TestSystemdUnit(t *testing.T) {
	u := unitFile(t, filepath.Join("systemd", "hanoiwatch.service"))
	for k, want := range map[string]string{
		"Service.ExecStart":       "/usr/local/bin/hanoiwatch run --config /etc/hanoiwatch/hanoiwatch.yaml",
		"Service.ExecReload":      "/bin/kill -HUP $MAINPID",
		"Service.Restart":         "on-failure",
		"Service.DynamicUser":     "yes",
		"Service.StateDirectory":  "hanoiwatch",
		"Service.Environment":     "HANOIWATCH_DB=%S/hanoiwatch/hanoiwatch.db",
		"Service.EnvironmentFile": "/etc/hanoiwatch/hanoiwatch.env",
		"Service.ProtectSystem":   "strict",
		"Service.NoNewPrivileges": "yes",
		"Install.WantedBy":        "multi-user.target",
	} {
		if got := u[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The daemon's stop grace (checks under way finish) fits in the unit's stop timeout.
	if got := u["Service.TimeoutStopSec"]; len(got) != 1 || got[0] != "40s" || shutdownGrace.Seconds() >= 40 {
		t.Errorf("TimeoutStopSec = %q with a shutdown grace of %s", got, shutdownGrace)
	}

	cfg := filepath.Join("systemd", "hanoiwatch.yaml")
	t.Setenv("HANOIWATCH_TOKEN", "0123456789abcdef")
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Token != "0123456789abcdef" {
		t.Errorf("http.token = %q, want the environment's", c.HTTP.Token)
	}
	// %S is /var/lib for a system unit: the CLI run with this config finds the database.
	if want := "/var/lib/hanoiwatch/hanoiwatch.db"; c.Storage.Path != want {
		t.Errorf("storage.path = %q, want the unit's %q", c.Storage.Path, want)
	}
	os.Unsetenv("HANOIWATCH_TOKEN")
	if _, err := config.Load(cfg); err == nil || !strings.Contains(err.Error(), "http.token: environment variable HANOIWATCH_TOKEN is not set") {
		t.Errorf("without the environment file: %v", err)
	}
}
