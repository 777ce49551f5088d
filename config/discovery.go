package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Discovery configures coverage discovery: the feeds and listing pages read for new
// articles about the topic, and the keywords that say an article is about it. Default()
// leaves Keywords and Jobs nil: the caller then uses the embedded seeds, as for sources.
type Discovery struct {
	// Enabled turns discovery on (the default); false turns every job off, seeded or
	// configured, without having to list them.
	Enabled bool
	// Keywords replace the seeded topic keywords when the file gives them (nil: the seeds).
	Keywords []string
	// Jobs replace the seeded jobs when the file gives them (nil: the seeds; an empty list:
	// no jobs at all).
	Jobs []Job
	// Schedule is the schedule of the jobs that have none of their own.
	Schedule string
}

// Job is one place discovery looks for new coverage: a feed, or an HTML page listing
// articles, crawled within its host.
type Job struct {
	Name     string // unique among the jobs
	URL      string // absolute http(s) URL of the feed or listing page
	Kind     string // "feed" or "listing"
	Depth    int    // listing: how many links away from URL to go; 0 for the default (1)
	MaxPages int    // requests per run; 0 for the default (20)
	Schedule string // overrides Discovery.Schedule when not empty
	Enabled  bool   // default true; a disabled job is kept but not scheduled
	// Line is where the job starts in the configuration file, 0 when it did not come
	// from a file.
	Line int

	pos *positions // lines of this job's fields, keyed by field name
}

// Limits of a job. They mirror discover.MaxDepth and discover.MaxMaxPages, which config
// does not import (a test in cmd/hanoiwatch keeps them in step): discovery reads a few
// pages, it does not mirror sites.
const (
	MaxJobDepth    = 3
	MaxJobMaxPages = 200
)

// Kinds of discovery job.
const (
	JobFeed    = "feed"
	JobListing = "listing"
)

var (
	discoveryKeys = []string{"enabled", "keywords", "jobs", "schedule"}
	jobKeys       = []string{"name", "url", "kind", "depth", "max_pages", "schedule", "enabled"}
)

// EffectiveSchedule returns the schedule the job runs on: its own if it has one, else
// the discovery default.
func (j Job) EffectiveSchedule(d Discovery) string {
	if j.Schedule != "" {
		return j.Schedule
	}
	return d.Schedule
}

func (d *decoder) discovery(f field, n *yaml.Node, c *Config) {
	for _, p := range d.mapping(f, n, discoveryKeys) {
		g := f.child(p)
		switch p.key {
		case "enabled":
			d.boolean(g, p.val, &c.Discovery.Enabled)
		case "keywords":
			d.list(g, p.val, &c.Discovery.Keywords)
		case "schedule":
			d.str(g, p.val, &c.Discovery.Schedule)
		case "jobs":
			d.jobs(g, p.val, c)
		}
	}
}

func (d *decoder) jobs(f field, n *yaml.Node, c *Config) {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(f, "must be a list of jobs, got %s", kind(n))
		return
	}
	// Not nil even when empty: "jobs: []" means no jobs, not the seeded ones.
	c.Discovery.Jobs = make([]Job, 0, len(n.Content))
	for i, item := range n.Content {
		j := Job{Line: item.Line, Enabled: true, pos: newPositions()}
		path := fmt.Sprintf("%s[%d]", f.path, i)
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			d.errorf(j.Line, path, "must be a mapping with the keys %s, got %s", strings.Join(jobKeys, ", "), kind(item))
			j.pos.failed[""] = true // a placeholder, as for sources
			c.Discovery.Jobs = append(c.Discovery.Jobs, j)
			continue
		}
		for _, p := range d.pairs(item, path, jobKeys) {
			g := field{pos: j.pos, key: p.key, path: path + "." + p.key, line: p.line}
			switch p.key {
			case "name":
				d.str(g, p.val, &j.Name)
			case "url":
				d.str(g, p.val, &j.URL)
			case "kind":
				d.str(g, p.val, &j.Kind)
			case "depth":
				d.integer(g, p.val, &j.Depth)
			case "max_pages":
				d.integer(g, p.val, &j.MaxPages)
			case "schedule":
				d.str(g, p.val, &j.Schedule)
			case "enabled":
				d.boolean(g, p.val, &j.Enabled)
			}
		}
		c.Discovery.Jobs = append(c.Discovery.Jobs, j)
	}
}

// discovery checks the discovery section. Problems are reported even when discovery is
// off: turning it back on must not reveal a broken file.
func (v *checker) discovery(c Config) {
	p := c.pos
	top := func(key, format string, args ...any) { v.add(p, key, key, 0, format, args...) }
	dc := c.Discovery
	if dc.Schedule == "" {
		if !p.isFailed("discovery.schedule") {
			top("discovery.schedule", "must not be empty")
		}
	} else if _, err := ParseSchedule(dc.Schedule); err != nil {
		top("discovery.schedule", "%s is not a valid schedule%s", p.show("discovery.schedule", strconv.Quote(dc.Schedule)), detail(p, "discovery.schedule", err))
	}
	if dc.Keywords != nil && len(dc.Keywords) == 0 {
		top("discovery.keywords", "must not be empty: leave the key out for the seeded keywords, or set discovery.enabled to false")
	}
	for i, k := range dc.Keywords {
		key := fmt.Sprintf("discovery.keywords[%d]", i)
		if !p.isFailed(key) && !strings.ContainsFunc(k, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			// Matching ignores punctuation: such a keyword would match every text.
			top(key, "%s has no letter or digit: it would match every article", p.show(key, strconv.Quote(k)))
		}
	}
	seen := map[string][2]int{}
	for i, j := range dc.Jobs {
		v.job(i, j, seen)
	}
}

func (v *checker) job(i int, j Job, seen map[string][2]int) {
	p := j.pos
	if p.isFailed("") { // not even a mapping; already reported by Parse
		return
	}
	path := fmt.Sprintf("discovery.jobs[%d]", i)
	add := func(key, format string, args ...any) {
		v.add(p, key, path+"."+key, j.Line, format, args...)
	}
	quote := func(key, val string) string { return p.show(key, strconv.Quote(val)) }

	uniqueName(p, j.Name, i, "discovery.jobs", 0, seen, add)
	if j.URL == "" {
		if !p.isFailed("url") {
			add("url", "required")
		}
	} else if !httpURL(j.URL) {
		add("url", "%s is not an absolute http(s) URL", quote("url", j.URL))
	}
	switch {
	case j.Kind == "":
		if !p.isFailed("kind") {
			add("kind", "required: %s (an RSS, Atom or JSON feed) or %s (an HTML page linking to articles)", JobFeed, JobListing)
		}
	case j.Kind != JobFeed && j.Kind != JobListing:
		add("kind", "%s is not a kind of job: %s or %s", quote("kind", j.Kind), JobFeed, JobListing)
	}
	// Zero is the default, unless the file wrote it: then it is a mistake worth a word.
	if j.Depth < 0 || j.Depth > MaxJobDepth || (j.Depth == 0 && p.line("depth") > 0 && !p.isFailed("depth")) {
		add("depth", "%s must be 1 to %d (default 1)", p.show("depth", strconv.Itoa(j.Depth)), MaxJobDepth)
	}
	if j.MaxPages < 0 || j.MaxPages > MaxJobMaxPages || (j.MaxPages == 0 && p.line("max_pages") > 0 && !p.isFailed("max_pages")) {
		add("max_pages", "%s must be 1 to %d (default 20)", p.show("max_pages", strconv.Itoa(j.MaxPages)), MaxJobMaxPages)
	}
	if j.Schedule != "" {
		if _, err := ParseSchedule(j.Schedule); err != nil {
			add("schedule", "%s is not a valid schedule%s", quote("schedule", j.Schedule), detail(p, "schedule", err))
		}
	}
}
