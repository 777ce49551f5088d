package discover

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits of a job: discovery reads a few pages, it does not mirror sites.
const (
	MaxDepth    = 3
	MaxMaxPages = 200
)

// nameRE is the config's rule for names: usable as store keys, URL path segments and file
// names without quoting.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (j Job) withDefaults() Job {
	if j.Depth == 0 {
		j.Depth = DefaultDepth
	}
	if j.MaxPages == 0 {
		j.MaxPages = DefaultMaxPages
	}
	return j
}

// Validate checks a job; zero Depth and MaxPages stand for their defaults. It does not
// parse Schedule: the daemon's cron parser is the judge of that.
func (j Job) Validate() error {
	var errs []error
	if !nameRE.MatchString(j.Name) {
		errs = append(errs, fmt.Errorf("name %q: use 1 to 64 characters among a-z, 0-9, '.', '_' and '-', starting with a letter or digit", j.Name))
	}
	if u, err := url.Parse(j.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url %q: not an absolute http or https URL", j.URL))
	}
	if j.Kind != KindFeed && j.Kind != KindListing {
		errs = append(errs, fmt.Errorf("kind %q: want %q or %q", j.Kind, KindFeed, KindListing))
	}
	if j.Depth < 0 || j.Depth > MaxDepth {
		errs = append(errs, fmt.Errorf("depth %d: want 1 to %d", j.Depth, MaxDepth))
	}
	if j.MaxPages < 0 || j.MaxPages > MaxMaxPages {
		errs = append(errs, fmt.Errorf("max_pages %d: want 1 to %d", j.MaxPages, MaxMaxPages))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("job %q: %w", j.Name, err)
	}
	return nil
}

// jobKeys are the keys of a job in YAML.
var jobKeys = map[string]bool{"name": true, "url": true, "kind": true, "depth": true,
	"max_pages": true, "schedule": true, "enabled": true}

// ParseJobs reads a YAML list of jobs (the format of seeds/feeds.yaml): name, url, kind,
// depth, max_pages, schedule and enabled (default true; false sets Disabled). Unknown keys,
// repeated names and invalid jobs are errors that give the line.
func ParseJobs(data []byte) ([]Job, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("jobs: line %d: want a list of jobs", list.Line)
	}
	var jobs []Job
	names := map[string]int{}
	for _, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("jobs: line %d: want a job (a mapping)", n.Line)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !jobKeys[k.Value] {
				return nil, fmt.Errorf("jobs: line %d: unknown key %q", k.Line, k.Value)
			}
		}
		var y struct {
			Name     string `yaml:"name"`
			URL      string `yaml:"url"`
			Kind     string `yaml:"kind"`
			Depth    int    `yaml:"depth"`
			MaxPages int    `yaml:"max_pages"`
			Schedule string `yaml:"schedule"`
			Enabled  *bool  `yaml:"enabled"`
		}
		if err := n.Decode(&y); err != nil {
			return nil, fmt.Errorf("jobs: line %d: %w", n.Line, err)
		}
		j := Job{Name: y.Name, URL: y.URL, Kind: y.Kind, Depth: y.Depth, MaxPages: y.MaxPages,
			Schedule: y.Schedule, Disabled: y.Enabled != nil && !*y.Enabled}
		if err := j.Validate(); err != nil {
			return nil, fmt.Errorf("jobs: line %d: %w", n.Line, err)
		}
		if l, ok := names[j.Name]; ok {
			return nil, fmt.Errorf("jobs: line %d: job %q: name already used on line %d", n.Line, j.Name, l)
		}
		names[j.Name] = n.Line
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// ParseKeywords reads the topic keywords (the format of seeds/keywords.yaml): a mapping
// from a language to its list of keywords. It returns them all, in the file's order.
func ParseKeywords(data []byte) ([]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("keywords: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("keywords: none")
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("keywords: line %d: want a mapping from languages to keyword lists", m.Line)
	}
	var out []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		var ks []string
		if err := m.Content[i+1].Decode(&ks); err != nil {
			return nil, fmt.Errorf("keywords: line %d: %s: want a list of keywords", m.Content[i+1].Line, m.Content[i].Value)
		}
		for _, k := range ks {
			if strings.TrimSpace(normalize(k)) == "" {
				return nil, fmt.Errorf("keywords: line %d: %s: keyword %q has no letter or digit", m.Content[i+1].Line, m.Content[i].Value, k)
			}
		}
		out = append(out, ks...)
	}
	if len(out) == 0 {
		return nil, errors.New("keywords: none")
	}
	return out, nil
}

// SourceName returns a name for the article as a watched source, valid for the config's
// rules and stable for a URL: the site, the start of the URL's slug without diacritics,
// and a hash of the URL that keeps two articles apart.
// Example: "vtv-thu-tuong-an-ninh-mang-co-tinh-toan-dan-toan-dien-3f9a1c0b".
func (f Found) SourceName() string {
	h := sha256.Sum256([]byte(f.URL))
	sum := hex.EncodeToString(h[:4])
	host := site(f.URL)
	if len(host) > 30 {
		host = host[:30]
	}
	if i := strings.LastIndexByte(host, '.'); i > 0 && !strings.ContainsAny(host[i:], "0123456789:") {
		host = host[:i] // vtv.vn → vtv; en.vietnamplus.vn → en.vietnamplus
	}
	slug := strings.Fields(fold(normalize(slugWords(f.URL))))
	name := wordsName(host)
	for _, w := range slug {
		if len(name)+1+len(w)+1+len(sum) > 64 {
			break
		}
		name += "-" + wordsName(w)
	}
	return strings.Trim(name, "-.") + "-" + sum
}

// wordsName keeps the characters names allow, lower case.
func wordsName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
