package config

import (
	"path/filepath"
	"testing"
)

func TestLoadDiscovery(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		c, err := Load(filepath.Join("testdata", "good", "discovery.yaml"))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		d := c.Discovery
		if !d.Enabled || d.Schedule != "@every 2h" {
			t.Errorf("enabled %v, schedule %q", d.Enabled, d.Schedule)
		}
		equal(t, "keywords", d.Keywords, []string{"Convention de Hanoï", "Công ước Hà Nội"})
		for i := range d.Jobs {
			d.Jobs[i].pos = nil
		}
		equal(t, "jobs", d.Jobs, []Job{
			{Name: "vtv-phap-luat", URL: "https://vtv.vn/rss/phap-luat.rss", Kind: JobFeed, MaxPages: 10, Schedule: "50 * * * *", Enabled: true, Line: 7},
			{Name: "nhandan-front", URL: "https://nhandan.vn/", Kind: JobListing, Depth: 2, Enabled: false, Line: 12},
		})
		if got := d.Jobs[0].EffectiveSchedule(d); got != "50 * * * *" {
			t.Errorf("own schedule: %q", got)
		}
		if got := d.Jobs[1].EffectiveSchedule(d); got != "@every 2h" {
			t.Errorf("default schedule: %q", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		c, err := Load(filepath.Join("testdata", "good", "discovery_off.yaml"))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		// An empty list is given, and means no jobs: not nil, which means the seeds.
		if c.Discovery.Enabled || c.Discovery.Jobs == nil || len(c.Discovery.Jobs) != 0 || c.Discovery.Keywords != nil {
			t.Errorf("discovery = %+v", c.Discovery)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		c, err := Parse([]byte("log:\n  level: info\n"), "hw.yaml")
		if err != nil {
			t.Fatal(err)
		}
		d := c.Discovery
		if !d.Enabled || d.Schedule == "" || d.Jobs != nil || d.Keywords != nil {
			t.Errorf("discovery without a section = %+v; want on, with a schedule, and the seeds (nil lists)", d)
		}
		if _, err := ParseSchedule(d.Schedule); err != nil {
			t.Errorf("default schedule: %v", err)
		}
	})
	t.Run("example", func(t *testing.T) {
		t.Setenv("HOME", "/home/test")
		t.Setenv("HANOIWATCH_TOKEN", "example-token")
		c, err := Load("example.yaml")
		if err != nil {
			t.Fatal(err)
		}
		// The example documents the defaults: keep the two in step.
		if d, want := c.Discovery, Default().Discovery; d.Enabled != want.Enabled || d.Schedule != want.Schedule || d.Jobs != nil || d.Keywords != nil {
			t.Errorf("example discovery = %+v, want the defaults %+v", d, want)
		}
	})
}

func TestLoadDiscoveryBad(t *testing.T) {
	tests := []badConfig{
		{"unknown_key.yaml", 3, `discovery.shedule: unknown key (did you mean "schedule"?); allowed keys: enabled, keywords, jobs, schedule`},
		{"unknown_job_key.yaml", 6, `discovery.jobs[0].max_page: unknown key (did you mean "max_pages"?); allowed keys: name, url, kind, depth, max_pages, schedule, enabled`},
		{"bad_schedule.yaml", 2, `discovery.schedule: "@every 10ms" is not a valid schedule: @every needs a duration of at least 1s`},
		{"bad_job_schedule.yaml", 6, `discovery.jobs[0].schedule: "* * *" is not a valid schedule: `},
		{"empty_keywords.yaml", 2, `discovery.keywords: must not be empty: leave the key out for the seeded keywords, or set discovery.enabled to false`},
		{"punctuation_keyword.yaml", 4, `discovery.keywords[1]: " -- " has no letter or digit`},
		{"keywords_not_list.yaml", 2, `discovery.keywords: must be a list of strings, got a single value`},
		{"bad_kind.yaml", 5, `discovery.jobs[0].kind: "sitemap" is not a kind of job: feed or listing`},
		{"missing_kind.yaml", 3, `discovery.jobs[0].kind: required: feed (an RSS, Atom or JSON feed) or listing`},
		{"missing_url.yaml", 3, `discovery.jobs[0].url: required`},
		{"relative_url.yaml", 4, `discovery.jobs[0].url: "/rss" is not an absolute http(s) URL`},
		{"missing_name.yaml", 3, `discovery.jobs[0].name: required`},
		{"bad_name.yaml", 3, `discovery.jobs[0].name: "VTV Feed" is not a valid name`},
		{"duplicate_name.yaml", 6, `discovery.jobs[1].name: "a" is already used by discovery.jobs[0] (line 3); names must be unique`},
		{"deep.yaml", 6, `discovery.jobs[0].depth: 4 must be 1 to 3 (default 1)`},
		{"zero_depth.yaml", 6, `discovery.jobs[0].depth: 0 must be 1 to 3 (default 1)`},
		{"max_pages.yaml", 6, `discovery.jobs[0].max_pages: 1000 must be 1 to 200 (default 20)`},
		{"bad_enabled.yaml", 6, `discovery.jobs[0].enabled: "no" is not true or false`},
		{"jobs_not_list.yaml", 2, `discovery.jobs: must be a list of jobs, got a mapping`},
		{"job_not_mapping.yaml", 3, `discovery.jobs[0]: must be a mapping with the keys name, url, kind,`},
		{"not_a_mapping.yaml", 1, `discovery: must be a mapping with the keys enabled, keywords, jobs, schedule, got a single value`},
	}
	loadBad(t, filepath.Join("testdata", "bad", "discovery"), tests, nil)
}

// TestDiscoveryWithoutFile checks that jobs built in Go are reported without a location.
func TestDiscoveryWithoutFile(t *testing.T) {
	c := Default()
	c.Discovery.Jobs = []Job{{Name: "a", URL: "https://a.vn/", Kind: "rss", Enabled: true}}
	err := c.Validate()
	if err == nil || err.Error() != `discovery.jobs[0].kind: "rss" is not a kind of job: feed or listing` {
		t.Errorf("got %v", err)
	}
}
