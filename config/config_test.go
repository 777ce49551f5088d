package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"hanoiwatch/seeds"
)

func TestLoadGood(t *testing.T) {
	def := Default()
	tests := []struct {
		file  string
		check func(t *testing.T, c Config)
	}{
		{"full.yaml", func(t *testing.T, c Config) {
			want := Config{
				Storage: Storage{Driver: DriverBBolt, Path: "/var/lib/hanoiwatch/hw.db", Retention: Retention{MaxSnapshots: 50, MaxAge: 36 * time.Hour}},
				Defaults: Defaults{
					Schedule: "@hourly", DiscoveredSchedule: "adaptive min=10m max=2d", UserAgent: "hanoiwatch/1.0 (+https://example.org/contact)",
					Timeout: 45 * time.Second, MaxBody: 2_000_000, PerHost: 3, Delay: 1500 * time.Millisecond,
					MaxRedirects: 0, SuspectAfter: 4, FailAfter: 2, BackoffMax: 2 * time.Hour, Robots: false,
					Render: RenderHTTP,
				},
			}
			equal(t, "storage", c.Storage, want.Storage)
			equal(t, "defaults", c.Defaults, want.Defaults)
			equal(t, "http", c.HTTP, HTTP{Listen: "127.0.0.1:9999", Token: "s3cret-token"})
			equal(t, "log", c.Log, Log{Level: "debug", Format: "json"})
			wantSources := []Source{
				{Name: "vtv", URL: "https://vtv.vn/thu-tuong-an-ninh-mang-100251025161328459.htm", Lang: "vi",
					Reports: "2025-10-25", Schedule: "*/15 6-22 * * 1-5", Selector: "div.detail-content, article > p",
					Ignore: []string{`Lượt xem: \d+`, `^Tags?:.*$`}, Line: 27},
				{Name: "nhandan.vn_2", URL: "http://nhandan.vn/post917901.html", Lang: "en-GB", Reports: "2025-10", Line: 34},
			}
			equalSources(t, c.Sources, wantSources)
		}},
		{"minimal.yaml", func(t *testing.T, c Config) {
			equal(t, "storage", c.Storage, def.Storage)
			equal(t, "defaults", c.Defaults, def.Defaults)
			equalSources(t, c.Sources, []Source{{Name: "vtv", URL: "https://vtv.vn/a.htm", Line: 2}})
			if got := c.Defaults.ScheduleFor(c.Sources[0].Schedule, "config"); got != def.Defaults.Schedule {
				t.Errorf("ScheduleFor = %q, want the default %q", got, def.Defaults.Schedule)
			}
		}},
		{"render.yaml", func(t *testing.T, c Config) {
			equal(t, "browser", c.Browser, Browser{Path: "/usr/bin/chromium", MaxTabs: 2, Timeout: 20 * time.Second})
			equalSources(t, c.Sources, []Source{
				{Name: "spa", URL: "https://news.example.org/spa/article-1", Render: RenderBrowser, Wait: "#story p", Screenshot: true, Line: 7},
				{Name: "idle", URL: "https://news.example.org/spa/article-2", Render: RenderBrowser, Wait: WaitNetworkIdle, Line: 12},
				{Name: "plain", URL: "https://news.example.org/article-3.html", Line: 16},
			})
			if !c.Renders() || c.Sources[2].EffectiveRender(c.Defaults) != RenderHTTP {
				t.Errorf("Renders = %v, plain renders with %q", c.Renders(), c.Sources[2].EffectiveRender(c.Defaults))
			}
		}},
		{"empty.yaml", func(t *testing.T, c Config) {
			equal(t, "storage", c.Storage, def.Storage)
			equal(t, "defaults", c.Defaults, def.Defaults)
			if c.Sources != nil {
				t.Errorf("sources = %v, want none", c.Sources)
			}
		}},
		{"anchors.yaml", func(t *testing.T, c Config) {
			equalSources(t, c.Sources, []Source{
				{Name: "a", URL: "https://a.vn/", Lang: "vi", Schedule: "@daily", Line: 3},
				{Name: "b", URL: "https://b.vn/", Lang: "vi", Schedule: "@weekly", Line: 8},
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "good", tt.file)
			c, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.File != path {
				t.Errorf("File = %q, want %q", c.File, path)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadBad(t *testing.T) {
	t.Setenv("HANOIWATCH_TEST_UNSET", "")
	os.Unsetenv("HANOIWATCH_TEST_UNSET") // t.Setenv restores whatever was there

	tests := []badConfig{
		{"unknown_key.yaml", 3, `defaults.timout: unknown key (did you mean "timeout"?); allowed keys: schedule, discovered_schedule, user_agent, timeout,`},
		{"unknown_source_key.yaml", 4, `sources[0].selectr: unknown key (did you mean "selector"?); allowed keys: name, url, kind, lang, reports, schedule, selector, ignore`},
		{"bad_listen.yaml", 2, `http.listen: "8787" is not host:port`},
		{"bad_log_level.yaml", 2, `log.level: "loud" must be debug, info, warn or error`},
		{"bad_bool.yaml", 2, `defaults.robots: "maybe" is not true or false`},
		{"bad_source_robots.yaml", 4, `sources[0].robots: "no" is not true or false`},
		{"unknown_root_key.yaml", 3, `source: unknown key (did you mean "sources"?); allowed keys: storage, defaults, http, log, sources`},
		{"repeated_key.yaml", 4, `defaults.timeout: repeated key (first at line 2)`},
		{"duplicate_name.yaml", 6, `sources[2].name: "vtv" is already used by sources[0] (line 2)`},
		{"bad_url.yaml", 7, `sources[2].url: "htp:/x" is not an absolute http(s) URL`},
		{"relative_url.yaml", 3, `sources[0].url: "/thoi-su/bai-viet.htm" is not an absolute http(s) URL`},
		{"ftp_url.yaml", 3, `sources[0].url: "ftp://a.vn/file.txt" is not an absolute http(s) URL`},
		{"missing_url.yaml", 2, `sources[0].url: required`},
		{"missing_name.yaml", 2, `sources[0].name: required`},
		{"bad_name.yaml", 2, `sources[0].name: "Báo Nhân Dân" is not a valid name`},
		{"bad_regex.yaml", 6, "sources[0].ignore[1]: \"(unclosed\" is not a valid regular expression: error parsing regexp: missing closing ): `(unclosed`"},
		{"bad_cron.yaml", 2, `defaults.schedule: "61 * * * *" is not a valid schedule: `},
		{"bad_source_schedule.yaml", 4, `sources[0].schedule: "@every 500ms" is not a valid schedule: @every needs a duration of at least 1s`},
		{"adaptive_bounds.yaml", 4, `sources[0].schedule: "adaptive min=2h max=1h" is not a valid schedule: adaptive: min 2h0m0s is above max 1h0m0s`},
		{"adaptive_floor.yaml", 2, `defaults.discovered_schedule: "adaptive min=10s" is not a valid schedule: adaptive: min 10s is under 1m0s`},
		{"adaptive_key.yaml", 3, `defaults.discovered_schedule: "adaptive every=5m" is not a valid schedule: adaptive takes min=DURATION and max=DURATION, not "every=5m"`},
		{"unset_env.yaml", 2, `defaults.user_agent: environment variable HANOIWATCH_TEST_UNSET is not set`},
		{"syntax.yaml", 3, `invalid YAML: mapping values are not allowed in this context`},
		{"wrong_type_int.yaml", 2, `defaults.per_host: "two" is not an integer`},
		{"wrong_type_sources.yaml", 1, `sources: must be a list of sources, got a mapping`},
		{"wrong_type_ignore.yaml", 4, `sources[0].ignore: must be a list of strings, got a single value`},
		{"wrong_type_section.yaml", 1, `storage: must be a mapping with the keys driver, dsn, path, retention, got a single value`},
		{"bad_duration.yaml", 2, `defaults.timeout: "30" is not a duration (like 30s, 5m, 1h30m or 7d)`},
		{"bad_size.yaml", 2, `defaults.max_body: "10 megabytes" is not a size`},
		{"bad_driver.yaml", 2, `storage.driver: "sqlite" must be bbolt or postgres`},
		{"postgres_without_dsn.yaml", 2, `storage.driver: postgres needs storage.dsn`},
		{"negative.yaml", 3, `storage.retention.max_snapshots: -1 must not be negative`},
		{"negative_duration.yaml", 3, `storage.retention.max_age: -720h0m0s must not be negative`},
		{"zero_per_host.yaml", 2, `defaults.per_host: 0 must be at least 1`},
		{"bad_lang.yaml", 4, `sources[0].lang: "Vietnamese" is not a language tag`},
		{"bad_reports.yaml", 4, `sources[0].reports: "25/10/2025" is not a date: write YYYY-MM-DD or YYYY-MM`},
		{"bad_selector.yaml", 4, `sources[0].selector: "div[class=" is not a valid CSS selector: `},
		{"two_documents.yaml", 3, `a configuration holds a single YAML document`},
		{"not_a_mapping.yaml", 1, `the file must be a mapping with the keys storage, defaults, http, log, sources, notify, discovery, browser, archive, got a list`},
		{"bad_render.yaml", 4, `sources[0].render: "chrome" must be http or browser`},
		{"bad_on_move.yaml", 4, `sources[0].on_move: "follow" must be keep or adopt`},
		{"bad_allow_private.yaml", 2, `defaults.allow_private: "sometimes" is not true or false`},
		{"wait_without_render.yaml", 4, `sources[0].wait: applies to pages loaded in the browser: add render: browser`},
		{"screenshot_without_render.yaml", 4, `sources[0].screenshot: applies to pages loaded in the browser: add render: browser`},
		{"bad_wait_selector.yaml", 6, `sources[0].wait: "#story[" is neither load, networkidle nor a valid CSS selector: `},
		{"zero_max_tabs.yaml", 2, `browser.max_tabs: 0 must be at least 1`},
		{"source_not_a_mapping.yaml", 4, `sources[1]: must be a mapping with the keys name, url,`},
		{"tilde_user.yaml", 2, `storage.path: "~bob/hw.db": only "~" and "~/..." are expanded`},
		{"user_agent_newline.yaml", 2, `defaults.user_agent: must not contain control characters`},
	}
	loadBad(t, filepath.Join("testdata", "bad"), tests, nil)
}

// TestLoadAllProblems checks that Load reports decoding and validation
// problems together, in file order.
// badConfig is a file that must not load: its one problem is at line, and the message
// after "FILE:LINE: " contains want.
type badConfig struct {
	file string
	line int
	want string
}

// loadBad loads every file of the table from dir and checks its error; check, when not
// nil, looks at each error too. Every file of dir must be in the table, or a new one
// would be silently skipped.
func loadBad(t *testing.T, dir string, tests []badConfig, check func(*testing.T, error)) {
	t.Helper()
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			want := fmt.Sprintf("%s:%d: %s", path, tt.line, tt.want)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error\n\t%v\ndoes not contain\n\t%s", err, want)
			}
			// One problem per file: a second message would mean a check
			// fires where it should not.
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("got %d problems, want 1:\n%v", n, err)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != path || e.Line != tt.line {
				t.Errorf("errors.As: got %+v, want an *Error at %s:%d", e, path, tt.line)
			}
			if check != nil {
				check(t, err)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no entry in the table", f)
		}
	}
}

func TestLoadAllProblems(t *testing.T) {
	data := `sources:
  - name: a
    url: htp:/x
defaults:
  per_host: two
  timout: 1s
`
	path := filepath.Join(t.TempDir(), "hw.yaml")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		path + `:3: sources[0].url: "htp:/x" is not an absolute http(s) URL`,
		path + `:5: defaults.per_host: "two" is not an integer`,
		path + `:6: defaults.timout: unknown key`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
}

func TestParseDoesNotValidate(t *testing.T) {
	c, err := Parse([]byte("sources:\n  - name: a\n    url: htp:/x\n"), "hw.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), `hw.yaml:3: sources[0].url: "htp:/x"`) {
		t.Errorf("Validate = %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming %s", err, path)
	}
}

func TestExample(t *testing.T) {
	t.Setenv("HOME", "/home/test")
	t.Setenv("HANOIWATCH_TOKEN", "example-token")
	c, err := Load("example.yaml")
	if err != nil {
		t.Fatalf("example.yaml does not load: %v", err)
	}
	if want := "/home/test/.local/share/hanoiwatch/hanoiwatch.db"; c.Storage.Path != want {
		t.Errorf("storage.path = %q, want %q", c.Storage.Path, want)
	}
	if c.Storage.Retention.MaxAge != 365*24*time.Hour {
		t.Errorf("max_age = %v", c.Storage.Retention.MaxAge)
	}
	// The example documents the defaults: keep the two in step.
	d := Default().Defaults
	d.UserAgent = c.Defaults.UserAgent
	equal(t, "defaults", c.Defaults, d)

	// The README shows the real watch list, so it must match the seeds.
	seeded := seeds.Sources()
	if len(c.Sources) != len(seeded) {
		t.Fatalf("example has %d sources, seeds %d", len(c.Sources), len(seeded))
	}
	for i, s := range seeded {
		got := c.Sources[i]
		if got.Name != s.Name || got.URL != s.URL || got.Lang != s.Lang || got.Reports != s.Reports || got.Kind != s.Kind {
			t.Errorf("sources[%d] = %s %s %s %s, seed is %+v", i, got.Name, got.URL, got.Lang, got.Reports, s)
		}
	}
	fields := map[string]bool{}
	for _, s := range c.Sources {
		for k, v := range map[string]bool{"schedule": s.Schedule != "", "selector": s.Selector != "", "ignore": len(s.Ignore) > 0, "robots": s.Robots != nil} {
			fields[k] = fields[k] || v
		}
	}
	if len(fields) != 4 || !fields["schedule"] || !fields["selector"] || !fields["ignore"] || !fields["robots"] {
		t.Errorf("example.yaml should show every source field, got %v", fields)
	}
}

func TestEnv(t *testing.T) {
	const secret = "Hunter2-S3cr3t"
	t.Setenv("HW_TEST_SECRET", secret)
	t.Setenv("HW_TEST_BAD_URL", "htp:/"+secret)
	t.Setenv("HW_TEST_BAD_RE", "("+secret)
	t.Setenv("HW_TEST_PER_HOST", "4")
	t.Setenv("HW_TEST_MISSING", "")
	os.Unsetenv("HW_TEST_MISSING")

	t.Run("substituted", func(t *testing.T) {
		data := `defaults:
  user_agent: "hw (${HW_TEST_SECRET})"
  per_host: ${HW_TEST_PER_HOST}
sources:
  - name: a
    url: https://a.vn/?k=${HW_TEST_SECRET}
    ignore: ["x$", "$${HW_TEST_SECRET}"]
`
		c, err := Parse([]byte(data), "hw.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if c.Defaults.UserAgent != "hw ("+secret+")" || c.Defaults.PerHost != 4 || c.Sources[0].URL != "https://a.vn/?k="+secret {
			t.Errorf("not substituted: %+v %+v", c.Defaults, c.Sources[0])
		}
		// "$" alone is left alone (regex anchors), "$${" is a literal "${".
		if want := []string{"x$", "${HW_TEST_SECRET}"}; !reflect.DeepEqual(c.Sources[0].Ignore, want) {
			t.Errorf("ignore = %q, want %q", c.Sources[0].Ignore, want)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	})

	t.Run("never printed", func(t *testing.T) {
		data := `defaults:
  user_agent: "hw (${HW_TEST_SECRET})"
  schedule: "${HW_TEST_SECRET}"
  timeout: ${HW_TEST_SECRET}
sources:
  - name: ${HW_TEST_SECRET}
    url: ${HW_TEST_BAD_URL}
    ignore: ["${HW_TEST_BAD_RE}"]
    selector: "${HW_TEST_MISSING}"
`
		path := filepath.Join(t.TempDir(), "hw.yaml")
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil {
			t.Fatal("no error")
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || strings.Contains(msg, "htp:") {
			t.Errorf("error leaks a variable's value:\n%s", msg)
		}
		for _, want := range []string{
			path + `:9: sources[0].selector: environment variable HW_TEST_MISSING is not set`,
			path + `:3: defaults.schedule: "${HW_TEST_SECRET}" (expanded) is not a valid schedule`,
			path + `:4: defaults.timeout: "${HW_TEST_SECRET}" (expanded) is not a duration`,
			path + `:6: sources[0].name: "${HW_TEST_SECRET}" (expanded) is not a valid name`,
			path + `:7: sources[0].url: "${HW_TEST_BAD_URL}" (expanded) is not an absolute http(s) URL`,
			path + `:8: sources[0].ignore[0]: "${HW_TEST_BAD_RE}" (expanded) is not a valid regular expression`,
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("missing %q in\n%s", want, msg)
			}
		}
	})

	t.Run("syntax", func(t *testing.T) {
		for in, want := range map[string]string{
			`"a ${HW_TEST_SECRET"`: `unterminated "${"`,
			`"a ${1X}"`:            `"1X" is not a valid environment variable name`,
		} {
			_, err := Parse([]byte("defaults:\n  user_agent: "+in+"\n"), "hw.yaml")
			if err == nil || !strings.Contains(err.Error(), "hw.yaml:2: defaults.user_agent: "+want) {
				t.Errorf("%s: got %v, want %q", in, err, want)
			}
		}
	})
}

func TestStoragePath(t *testing.T) {
	t.Setenv("HOME", "/home/test")
	t.Setenv("XDG_DATA_HOME", "")
	dir := filepath.Join("some", "dir")
	for in, want := range map[string]string{
		`"~"`:           "/home/test",
		"~ # YAML null": "/home/test/.local/share/hanoiwatch/hanoiwatch.db",
		"~/hw/x.db":     "/home/test/hw/x.db",
		"/abs/x.db":     "/abs/x.db",
		"x.db":          filepath.Join(dir, "x.db"),
		"../data/x.db":  filepath.Join("some", "data", "x.db"),
		"\"${HOME}/x\"": "/home/test/x",
	} {
		c, err := Parse([]byte("storage:\n  path: "+in+"\n"), filepath.Join(dir, "hw.yaml"))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if c.Storage.Path != want {
			t.Errorf("path %s = %q, want %q", in, c.Storage.Path, want)
		}
	}
	c, err := Parse([]byte("storage:\n  path: ''\n"), "hw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || err.Error() != "hw.yaml:2: storage.path: must not be empty" {
		t.Errorf("empty path: %v", err)
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default() is invalid: %v", err)
	}
	if c.File != "" || len(c.Sources) != 0 {
		t.Errorf("Default() has File %q and %d sources", c.File, len(c.Sources))
	}
	// The caller adds the seeds: they must validate too.
	for _, s := range seeds.Sources() {
		c.Sources = append(c.Sources, Source{Name: s.Name, URL: s.URL, Lang: s.Lang, Reports: s.Reports, Kind: s.Kind})
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default() with the seeds is invalid: %v", err)
	}
}

// TestValidateWithoutFile checks that values built in Go are reported
// without a location, and that seeds appended to a loaded file are not
// blamed on the file.
func TestValidateWithoutFile(t *testing.T) {
	c := Default()
	c.Defaults.Timeout = 0
	c.Sources = []Source{{Name: "a", URL: "/x"}, {Name: "a", URL: "https://a.vn/"}}
	err := c.Validate()
	want := "defaults.timeout: 0s must be positive: a request without a timeout can hang a worker forever\n" +
		`sources[0].url: "/x" is not an absolute http(s) URL` + "\n" +
		`sources[1].name: "a" is already used by sources[0]; names must be unique`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}

	c, err = Parse([]byte("sources:\n  - name: a\n    url: https://a.vn/\n"), "hw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Sources = append(c.Sources, Source{Name: "a", URL: "https://b.vn/"})
	if err := c.Validate(); err == nil || err.Error() != `sources[1].name: "a" is already used by sources[0] (line 2); names must be unique` {
		t.Errorf("seed duplicate: %v", err)
	}
	// Positions follow a source when the caller reorders the list.
	c.Sources[0], c.Sources[1] = c.Sources[1], c.Sources[0]
	if err := c.Validate(); err == nil || err.Error() != `hw.yaml:2: sources[1].name: "a" is already used by sources[0]; names must be unique` {
		t.Errorf("reordered: %v", err)
	}
}

func TestParseSchedule(t *testing.T) {
	for _, spec := range []string{
		"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually",
		"@every 1h30m", "@every 1s", "*/5 * * * *", "0 6-22/2 * * mon-fri", "15 3 1 jan *",
		"CRON_TZ=Asia/Ho_Chi_Minh 0 7 * * *", "TZ=UTC @daily", "  @hourly  ",
	} {
		if _, err := ParseSchedule(spec); err != nil {
			t.Errorf("ParseSchedule(%q): %v", spec, err)
		}
	}
	for _, spec := range []string{
		"", "@every", "@every 0s", "@every -1h", "@every 999ms", "@fortnightly",
		"* * * *", "0 * * * * *", "60 * * * *", "* 24 * * *", "TZ=UTC", "CRON_TZ=Nowhere/Atlantis 0 * * * *",
	} {
		if _, err := ParseSchedule(spec); err == nil {
			t.Errorf("ParseSchedule(%q) succeeded", spec)
		}
	}
	s, err := ParseSchedule("@every 90m")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 10, 25, 12, 0, 0, 0, time.UTC)
	if got := s.Next(now); got.Sub(now) != 90*time.Minute {
		t.Errorf("@every 90m: next %v", got)
	}
}

func TestScheduleFor(t *testing.T) {
	d := Defaults{Schedule: "@daily", DiscoveredSchedule: "adaptive"}
	for _, tt := range []struct{ own, origin, want string }{
		{"", "config", "@daily"}, {"", "added", "@daily"}, {"", "discovered", "adaptive"},
		{"@hourly", "config", "@hourly"}, {"@hourly", "discovered", "@hourly"},
	} {
		if got := d.ScheduleFor(tt.own, tt.origin); got != tt.want {
			t.Errorf("ScheduleFor(%q, %q) = %q, want %q", tt.own, tt.origin, got, tt.want)
		}
	}
}

func TestParseAdaptive(t *testing.T) {
	for spec, want := range map[string]Adaptive{
		"adaptive":                 {AdaptiveMin, AdaptiveMax},
		" adaptive  max=7d ":       {AdaptiveMin, 7 * 24 * time.Hour},
		"adaptive min=10m max=12h": {10 * time.Minute, 12 * time.Hour},
		"adaptive max=1h min=1m":   {time.Minute, time.Hour},
		"adaptive min=1d max=1d":   {24 * time.Hour, 24 * time.Hour},
	} {
		s, err := ParseSchedule(spec)
		if err != nil || s != want {
			t.Errorf("ParseSchedule(%q) = %v, %v; want %v", spec, s, err, want)
		}
	}
	for _, spec := range []string{"adaptive min=", "adaptive min=0", "adaptive min=-5m", "adaptive min=5m min=6m",
		"adaptive max=2y", "adaptive 5m 1h", "adaptive max=400d", "adaptive min=59s", "adaptive min=2h max=1h", "adaptively"} {
		if s, err := ParseSchedule(spec); err == nil {
			t.Errorf("ParseSchedule(%q) = %v, want an error", spec, s)
		}
	}
}

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"0": 0, "30s": 30 * time.Second, "1h30m": 90 * time.Minute, "365d": 365 * day,
		"1d12h": 36 * time.Hour, "-2d": -2 * day, " 7d ": 7 * day, "0d": 0,
	} {
		if got, ok := parseDuration(in); !ok || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "30", "d", "1.5d", "1d-2h", "1d1d", "-", "1w", "99999999999999d"} {
		if got, ok := parseDuration(in); ok {
			t.Errorf("parseDuration(%q) = %v, want failure", in, got)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1024": 1024, "10MiB": 10 << 20, "10 MiB": 10 << 20, "2MB": 2_000_000,
		"1KB": 1000, "1kib": 1024, "1.5GiB": 3 << 29, "1GB": 1e9, "512B": 512, "-1": -1,
	} {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "MiB", "10XB", "10 megabytes", "1.5", "1e3", "99999999999GiB", "10M", "ten"} {
		if got, ok := parseSize(in); ok {
			t.Errorf("parseSize(%q) = %d, want failure", in, got)
		}
	}
}

// FuzzParse checks that no input makes Parse or Validate panic, and that
// every problem is located in the file.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a\n  <<: *a\n"))
	f.Add([]byte("sources: [{<<: [*x]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "f.yaml")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml") {
					t.Errorf("problem without a file: %q", line)
				}
			}
			return
		}
		_ = c.Validate()
		for _, s := range c.Sources {
			_ = c.Defaults.ScheduleFor(s.Schedule, "config")
		}
	})
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// equalSources compares the exported fields: positions are an internal
// detail.
func equalSources(t *testing.T, got, want []Source) {
	t.Helper()
	strip := func(ss []Source) []Source {
		out := make([]Source, len(ss))
		for i, s := range ss {
			s.pos = nil
			out[i] = s
		}
		return out
	}
	equal(t, "sources", strip(got), strip(want))
}

// TestMergeLimits checks that "<<" cannot make a small file expensive or
// make the decoder loop.
func TestMergeLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("storage:\n  a0: &a0 {max_age: 1d}\n")
	for i := 1; i < 30; i++ { // 3^30 merges if nothing stopped it
		fmt.Fprintf(&b, "  a%d: &a%d {<<: [*a%d, *a%d, *a%d]}\n", i, i, i-1, i-1, i-1)
	}
	b.WriteString("defaults: *a29\n")
	done := make(chan error, 1)
	go func() { _, err := Parse([]byte(b.String()), "hw.yaml"); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), `too many "<<" merges`) {
			t.Errorf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Parse does not bound merges")
	}

	_, err := Parse([]byte("defaults: &d\n  timeout: 1s\n  <<: *d\n"), "hw.yaml")
	if err == nil || !strings.Contains(err.Error(), `hw.yaml:1: defaults: "<<" merges a mapping into itself`) {
		t.Errorf("self merge: %v", err)
	}
}
