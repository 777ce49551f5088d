package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The keys each mapping accepts, in the order the documentation lists them;
// unknown-key errors print them so that the fix is on the screen.
var (
	rootKeys      = []string{"storage", "defaults", "http", "log", "sources", "notify", "discovery", "browser", "archive"}
	browserKeys   = []string{"path", "max_tabs", "timeout"}
	httpKeys      = []string{"listen", "token"}
	logKeys       = []string{"level", "format"}
	storageKeys   = []string{"driver", "dsn", "path", "retention"}
	retentionKeys = []string{"max_snapshots", "max_age"}
	defaultsKeys  = []string{"schedule", "discovered_schedule", "user_agent", "timeout", "max_body", "per_host", "delay", "max_redirects", "suspect_after", "fail_after", "backoff_max", "robots", "allow_private", "render"}
	sourceKeys    = []string{"name", "url", "kind", "lang", "reports", "schedule", "selector", "ignore", "robots", "render", "wait", "screenshot", "on_move"}
	notifyKeys    = []string{"timeout", "retry", "endpoints"}
	retryKeys     = []string{"initial_delay", "max_delay", "max_attempts"}
	endpointKeys  = []string{"name", "url", "secret", "headers", "types", "sources", "figures_only", "subjects", "min_change", "min_change_pct"}
)

// Load reads the configuration file at path, parses it and validates it. The
// error lists every problem found, one per line.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The *PathError already names the file; errors.Is(err, fs.ErrNotExist)
		// still works for callers that fall back to Default().
		return Config{}, fmt.Errorf("config: %w", err)
	}
	// Decoding problems and validation problems are reported together: a
	// user fixing a file wants the whole list, not one round trip per error.
	c, errs := parse(data, path)
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		sortByLine(errs)
		return Config{}, errors.Join(errs...)
	}
	c.forgetPositions()
	return c, nil
}

// forgetPositions drops what the decoder remembered for error messages (three maps per
// source), once the configuration is known to be valid: the daemon keeps its configuration
// for months, and at 10 000 sources they held about 3.5 MB (heap profile).
func (c *Config) forgetPositions() {
	c.pos = nil
	for i := range c.Sources {
		c.Sources[i].pos = nil
	}
	for i := range c.Notify.Endpoints {
		c.Notify.Endpoints[i].pos = nil
	}
	for i := range c.Discovery.Jobs {
		c.Discovery.Jobs[i].pos = nil
	}
}

// Parse decodes data, which came from file (used in messages and to resolve
// a relative storage.path), on top of Default(). It is strict: unknown keys,
// repeated keys, values of the wrong type and unset environment variables are
// errors. It does not validate values; Load does both.
func Parse(data []byte, file string) (Config, error) {
	c, errs := parse(data, file)
	if len(errs) > 0 {
		sortByLine(errs)
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// parse returns what it could decode along with the problems, so that Load
// can validate the rest.
func parse(data []byte, file string) (Config, []error) {
	c := Default()
	c.File = file
	c.pos = newPositions()
	d := &decoder{file: file}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // empty file: the defaults
			return c, nil
		}
		return c, []error{d.syntax(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return c, []error{d.syntax(err)}
		}
		// A second document would be silently ignored otherwise.
		return c, []error{&Error{File: file, Line: extra.Line, Msg: `a configuration holds a single YAML document; remove the second "---"`}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return c, nil
		}
		root = root.Content[0]
	}
	d.root(root, &c)
	return c, d.errs
}

// decoder walks the yaml.Node tree by hand rather than through struct tags:
// that is what lets every error carry its line and the field's full path,
// and what lets ${NAME} work in numeric fields too.
type decoder struct {
	file    string
	errs    []error
	merging map[*yaml.Node]bool // mappings being merged, to catch cycles
	merges  int                 // mappings merged so far, against maxMerges
}

// maxMerges is far more "<<" merges than a hand-written file has.
const maxMerges = 1000

// field is one value being decoded: where its line and raw text are kept
// (key in pos) and how messages name it (path).
type field struct {
	pos  *positions
	key  string // "defaults.timeout", or "url" within a source
	path string // "defaults.timeout", "sources[2].url"
	line int
}

// pair is one key of a mapping with its value, aliases already followed.
type pair struct {
	key  string
	line int
	val  *yaml.Node
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// fail reports a problem with f and remembers that f was not decoded.
func (d *decoder) fail(f field, format string, args ...any) {
	d.errorf(f.line, f.path, format, args...)
	f.pos.failed[f.key] = true
}

var yamlLineErr = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// syntax turns a yaml.v3 error into an *Error with the line as a field of
// its own, so that syntax errors read like every other error.
func (d *decoder) syntax(err error) error {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: d.file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: d.file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func (d *decoder) root(n *yaml.Node, c *Config) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, "", "the file must be a mapping with the keys %s, got %s", strings.Join(rootKeys, ", "), kind(n))
		return
	}
	for _, p := range d.pairs(n, "", rootKeys) {
		f := field{pos: c.pos, key: p.key, path: p.key, line: p.line}
		switch p.key {
		case "storage":
			d.storage(f, p.val, c)
		case "defaults":
			d.defaults(f, p.val, &c.Defaults)
		case "sources":
			d.sources(f, p.val, c)
		case "discovery":
			d.discovery(f, p.val, c)
		case "notify":
			d.notify(f, p.val, c)
		case "archive":
			d.archive(f, p.val, c)
		case "http":
			for _, q := range d.mapping(f, p.val, httpKeys) {
				g := f.child(q)
				switch q.key {
				case "listen":
					d.str(g, q.val, &c.HTTP.Listen)
				case "token":
					d.str(g, q.val, &c.HTTP.Token)
				}
			}
		case "browser":
			for _, q := range d.mapping(f, p.val, browserKeys) {
				g := f.child(q)
				switch q.key {
				case "path":
					d.str(g, q.val, &c.Browser.Path)
				case "max_tabs":
					d.integer(g, q.val, &c.Browser.MaxTabs)
				case "timeout":
					d.duration(g, q.val, &c.Browser.Timeout)
				}
			}
		case "log":
			for _, q := range d.mapping(f, p.val, logKeys) {
				g := f.child(q)
				switch q.key {
				case "level":
					d.str(g, q.val, &c.Log.Level)
				case "format":
					d.str(g, q.val, &c.Log.Format)
				}
			}
		}
	}
}

func (d *decoder) storage(f field, n *yaml.Node, c *Config) {
	for _, p := range d.mapping(f, n, storageKeys) {
		g := f.child(p)
		switch p.key {
		case "driver":
			d.str(g, p.val, &c.Storage.Driver)
		case "dsn":
			d.str(g, p.val, &c.Storage.DSN)
		case "path":
			if v, ok := d.text(g, p.val, "a path"); ok {
				if v, ok = d.dbPath(g, v); ok {
					c.Storage.Path = v
				}
			}
		case "retention":
			for _, q := range d.mapping(g, p.val, retentionKeys) {
				h := g.child(q)
				switch q.key {
				case "max_snapshots":
					d.integer(h, q.val, &c.Storage.Retention.MaxSnapshots)
				case "max_age":
					d.duration(h, q.val, &c.Storage.Retention.MaxAge)
				}
			}
		}
	}
}

// dbPath expands "~" and anchors a relative path at the configuration
// file's directory, so that the daemon and the CLI open the same database
// whatever directory they are started from.
func (d *decoder) dbPath(f field, p string) (string, bool) {
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			d.fail(f, `cannot expand "~": $HOME is not set`)
			return "", false
		}
		p = filepath.Join(home, p[1:])
	case strings.HasPrefix(p, "~"):
		d.fail(f, `%s: only "~" and "~/..." are expanded, not "~user"; write the full path`, f.pos.show(f.key, strconv.Quote(p)))
		return "", false
	}
	if p != "" && !filepath.IsAbs(p) && d.file != "" {
		p = filepath.Join(filepath.Dir(d.file), p)
	}
	return p, true
}

func (d *decoder) defaults(f field, n *yaml.Node, out *Defaults) {
	for _, p := range d.mapping(f, n, defaultsKeys) {
		g := f.child(p)
		switch p.key {
		case "schedule":
			d.str(g, p.val, &out.Schedule)
		case "discovered_schedule":
			d.str(g, p.val, &out.DiscoveredSchedule)
		case "user_agent":
			d.str(g, p.val, &out.UserAgent)
		case "timeout":
			d.duration(g, p.val, &out.Timeout)
		case "max_body":
			d.size(g, p.val, &out.MaxBody)
		case "per_host":
			d.integer(g, p.val, &out.PerHost)
		case "delay":
			d.duration(g, p.val, &out.Delay)
		case "max_redirects":
			d.integer(g, p.val, &out.MaxRedirects)
		case "suspect_after":
			d.integer(g, p.val, &out.SuspectAfter)
		case "fail_after":
			d.integer(g, p.val, &out.FailAfter)
		case "backoff_max":
			d.duration(g, p.val, &out.BackoffMax)
		case "robots":
			d.boolean(g, p.val, &out.Robots)
		case "allow_private":
			d.boolean(g, p.val, &out.AllowPrivate)
		case "render":
			d.str(g, p.val, &out.Render)
		}
	}
}

func (d *decoder) sources(f field, n *yaml.Node, c *Config) {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(f, "must be a list of sources, got %s", kind(n))
		return
	}
	c.Sources = make([]Source, 0, len(n.Content))
	for i, item := range n.Content {
		s := Source{Line: item.Line, pos: newPositions()}
		path := fmt.Sprintf("sources[%d]", i)
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			d.errorf(s.Line, path, "must be a mapping with the keys %s, got %s", strings.Join(sourceKeys, ", "), kind(item))
			// Kept as a placeholder so that later sources keep their index
			// in messages; Validate skips it.
			s.pos.failed[""] = true
			c.Sources = append(c.Sources, s)
			continue
		}
		for _, p := range d.pairs(item, path, sourceKeys) {
			g := field{pos: s.pos, key: p.key, path: path + "." + p.key, line: p.line}
			switch p.key {
			case "name":
				d.str(g, p.val, &s.Name)
			case "url":
				d.str(g, p.val, &s.URL)
			case "lang":
				d.str(g, p.val, &s.Lang)
			case "reports":
				d.str(g, p.val, &s.Reports)
			case "schedule":
				d.str(g, p.val, &s.Schedule)
			case "selector":
				d.str(g, p.val, &s.Selector)
			case "kind":
				d.str(g, p.val, &s.Kind)
			case "ignore":
				d.list(g, p.val, &s.Ignore)
			case "robots":
				s.Robots = new(bool)
				d.boolean(g, p.val, s.Robots)
			case "render":
				d.str(g, p.val, &s.Render)
			case "wait":
				d.str(g, p.val, &s.Wait)
			case "screenshot":
				d.boolean(g, p.val, &s.Screenshot)
			case "on_move":
				d.str(g, p.val, &s.OnMove)
			}
		}
		c.Sources = append(c.Sources, s)
	}
}

func (d *decoder) notify(f field, n *yaml.Node, c *Config) {
	for _, p := range d.mapping(f, n, notifyKeys) {
		g := f.child(p)
		switch p.key {
		case "timeout":
			d.duration(g, p.val, &c.Notify.Timeout)
		case "retry":
			for _, q := range d.mapping(g, p.val, retryKeys) {
				h := g.child(q)
				switch q.key {
				case "initial_delay":
					d.duration(h, q.val, &c.Notify.Retry.InitialDelay)
				case "max_delay":
					d.duration(h, q.val, &c.Notify.Retry.MaxDelay)
				case "max_attempts":
					d.integer(h, q.val, &c.Notify.Retry.MaxAttempts)
				}
			}
		case "endpoints":
			d.endpoints(g, p.val, c)
		}
	}
}

func (d *decoder) endpoints(f field, n *yaml.Node, c *Config) {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(f, "must be a list of endpoints, got %s", kind(n))
		return
	}
	c.Notify.Endpoints = make([]Endpoint, 0, len(n.Content))
	for i, item := range n.Content {
		e := Endpoint{Line: item.Line, pos: newPositions()}
		path := fmt.Sprintf("%s[%d]", f.path, i)
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			d.errorf(e.Line, path, "must be a mapping with the keys %s, got %s", strings.Join(endpointKeys, ", "), kind(item))
			e.pos.failed[""] = true // a placeholder, as for sources
			c.Notify.Endpoints = append(c.Notify.Endpoints, e)
			continue
		}
		for _, p := range d.pairs(item, path, endpointKeys) {
			g := field{pos: e.pos, key: p.key, path: path + "." + p.key, line: p.line}
			switch p.key {
			case "name":
				d.str(g, p.val, &e.Name)
			case "url":
				d.str(g, p.val, &e.URL)
			case "secret":
				d.str(g, p.val, &e.Secret)
			case "headers":
				d.headers(g, p.val, &e.Headers)
			case "types":
				d.list(g, p.val, &e.Types)
			case "sources":
				d.list(g, p.val, &e.Sources)
			case "figures_only":
				d.boolean(g, p.val, &e.FiguresOnly)
			case "subjects":
				d.list(g, p.val, &e.Subjects)
			case "min_change":
				d.number(g, p.val, &e.MinChange)
			case "min_change_pct":
				d.number(g, p.val, &e.MinChangePct)
			}
		}
		c.Notify.Endpoints = append(c.Notify.Endpoints, e)
	}
}

// headers decodes a mapping of HTTP header names to values. Names are
// compared case-insensitively, as HTTP does, so that "X-Token" and
// "x-token" cannot both be set. Values are never shown in messages: headers
// are where tokens go.
func (d *decoder) headers(f field, n *yaml.Node, dst *map[string]string) {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(f, "must be a mapping of header names to values, got %s", kind(n))
		return
	}
	out := map[string]string{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			d.errorf(k.Line, f.path, "header names must be plain strings (no \"<<\" merges), got %s", kind(k))
			continue
		}
		g := field{pos: f.pos, key: f.key + "." + k.Value, path: f.path + "." + k.Value, line: k.Line}
		lower := strings.ToLower(k.Value)
		if first, dup := seen[lower]; dup {
			d.fail(g, "repeated header (first at line %d)", first)
			continue
		}
		seen[lower] = k.Line
		if isNull(v) {
			d.fail(g, "must be a string, got nothing")
			continue
		}
		if val, ok := d.text(g, v, "a string"); ok {
			out[k.Value] = val
		}
	}
	*dst = out
}

func (d *decoder) boolean(f field, n *yaml.Node, dst *bool) {
	v, ok := d.text(f, n, "true or false")
	if !ok {
		return
	}
	// Only the two YAML 1.2 spellings: "yes", "on" and "1" read differently
	// in other tools, and a filter that silently reads the wrong way would
	// hide notifications.
	switch strings.TrimSpace(v) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		d.fail(f, "%s is not true or false", f.pos.show(f.key, strconv.Quote(v)))
	}
}

func (d *decoder) number(f field, n *yaml.Node, dst *float64) {
	v, ok := d.text(f, n, "a number")
	if !ok {
		return
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		d.fail(f, "%s is not a number", f.pos.show(f.key, strconv.Quote(v)))
		return
	}
	*dst = x
}

// child is the field for key p inside the mapping f.
func (f field) child(p pair) field {
	return field{pos: f.pos, key: f.key + "." + p.key, path: f.path + "." + p.key, line: p.line}
}

// mapping checks that n is a mapping (null counts as empty) and returns its
// known keys.
func (d *decoder) mapping(f field, n *yaml.Node, allowed []string) []pair {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(f, "must be a mapping with the keys %s, got %s", strings.Join(allowed, ", "), kind(n))
		return nil
	}
	return d.pairs(n, f.path, allowed)
}

// pairs returns the keys of mapping n that are in allowed, reporting the
// others and repeated keys (yaml.v3 only catches those when decoding into a
// map or struct, not into a Node). "<<" merge keys are honoured, with the
// explicit keys winning as YAML says.
func (d *decoder) pairs(n *yaml.Node, path string, allowed []string) []pair {
	var out []pair
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, path, "keys must be plain strings, got %s", kind(k))
			continue
		}
		if k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		name := k.Value
		full := name
		if path != "" {
			full = path + "." + name
		}
		if first, dup := seen[name]; dup {
			d.errorf(k.Line, full, "repeated key (first at line %d)", first)
			continue
		}
		seen[name] = k.Line
		if !slices.Contains(allowed, name) {
			d.errorf(k.Line, full, "unknown key%s; allowed keys: %s", suggest(name, allowed), strings.Join(allowed, ", "))
			continue
		}
		out = append(out, pair{key: name, line: k.Line, val: v})
	}
	for _, m := range merges {
		var maps []*yaml.Node
		switch m.Kind {
		case yaml.MappingNode:
			maps = []*yaml.Node{m}
		case yaml.SequenceNode:
			for _, it := range m.Content {
				maps = append(maps, deref(it))
			}
		default:
			d.errorf(m.Line, path, `"<<" merges mappings, got %s`, kind(m))
		}
		for _, mm := range maps {
			if mm.Kind != yaml.MappingNode {
				d.errorf(mm.Line, path, `"<<" merges mappings, got %s`, kind(mm))
				continue
			}
			if d.merging[mm] { // an anchor merged into itself would recurse forever
				d.errorf(mm.Line, path, `"<<" merges a mapping into itself`)
				continue
			}
			// Merges of merges multiply: without a budget a small file
			// (a "billion laughs") could keep the daemon busy for ages.
			if d.merges++; d.merges > maxMerges {
				if d.merges == maxMerges+1 {
					d.errorf(mm.Line, path, `too many "<<" merges (more than %d)`, maxMerges)
				}
				continue
			}
			if d.merging == nil {
				d.merging = map[*yaml.Node]bool{}
			}
			d.merging[mm] = true
			merged := d.pairs(mm, path, allowed)
			delete(d.merging, mm)
			for _, p := range merged {
				if _, ok := seen[p.key]; !ok {
					seen[p.key] = p.line
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// text returns the scalar n with ${NAME} substituted. ok is false when n is
// null (the field keeps its default) or on error (reported).
func (d *decoder) text(f field, n *yaml.Node, want string) (string, bool) {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(f, "must be %s, got %s", want, kind(n))
		return "", false
	}
	v, substituted, problems := expand(n.Value, os.LookupEnv)
	if len(problems) > 0 {
		for _, p := range problems {
			d.fail(f, "%s", p)
		}
		return "", false
	}
	if substituted {
		f.pos.raw[f.key] = n.Value
	}
	return v, true
}

func (d *decoder) str(f field, n *yaml.Node, dst *string) {
	if v, ok := d.text(f, n, "a string"); ok {
		*dst = v
	}
}

func (d *decoder) integer(f field, n *yaml.Node, dst *int) {
	v, ok := d.text(f, n, "an integer")
	if !ok {
		return
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		d.fail(f, "%s is not an integer", f.pos.show(f.key, strconv.Quote(v)))
		return
	}
	*dst = i
}

func (d *decoder) duration(f field, n *yaml.Node, dst *time.Duration) {
	v, ok := d.text(f, n, "a duration")
	if !ok {
		return
	}
	dur, ok := parseDuration(v)
	if !ok {
		d.fail(f, "%s is not a duration (like 30s, 5m, 1h30m or 7d)", f.pos.show(f.key, strconv.Quote(v)))
		return
	}
	*dst = dur
}

func (d *decoder) size(f field, n *yaml.Node, dst *int64) {
	v, ok := d.text(f, n, "a size")
	if !ok {
		return
	}
	sz, ok := parseSize(v)
	if !ok {
		d.fail(f, "%s is not a size (bytes, or a number with KB, MB, GB, KiB, MiB or GiB)", f.pos.show(f.key, strconv.Quote(v)))
		return
	}
	*dst = sz
}

// list decodes a list of strings. A failed item is kept as "" so that the
// items after it keep their index in messages.
func (d *decoder) list(f field, n *yaml.Node, dst *[]string) {
	f.pos.lines[f.key] = f.line
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(f, "must be a list of strings, got %s", kind(n))
		return
	}
	out := make([]string, 0, len(n.Content))
	for i, it := range n.Content {
		g := field{pos: f.pos, key: fmt.Sprintf("%s[%d]", f.key, i), path: fmt.Sprintf("%s[%d]", f.path, i), line: it.Line}
		it = deref(it)
		if isNull(it) {
			d.fail(g, "must be a string, got nothing")
			out = append(out, "")
			continue
		}
		v, _ := d.text(g, it, "a string")
		out = append(out, v)
	}
	*dst = out
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// kind names a node's shape for "got ..." in type errors. It never prints
// the value: the point is the shape, and the value might be long.
func kind(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand replaces each ${NAME} in s by the value of the environment variable
// NAME; "$${" stands for a literal "${". Only "${" is special, so regular
// expressions ending in "$" need no escaping. substituted says whether any
// variable was used; problems name the variables but never their values.
func expand(s string, lookup func(string) (string, bool)) (out string, substituted bool, problems []string) {
	if !strings.Contains(s, "${") {
		return s, false, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				problems = append(problems, `unterminated "${" (write "$${" for a literal "${")`)
				return "", false, problems
			}
			name := s[i+2 : i+end]
			i += end + 1
			if !envName.MatchString(name) {
				problems = append(problems, fmt.Sprintf("%q is not a valid environment variable name", name))
				continue
			}
			v, ok := lookup(name)
			if !ok {
				problems = append(problems, fmt.Sprintf("environment variable %s is not set", name))
				continue
			}
			b.WriteString(v)
			substituted = true
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	if len(problems) > 0 {
		return "", false, problems
	}
	return b.String(), substituted, nil
}

// parseDuration is time.ParseDuration plus a leading whole number of days
// ("365d", "1d12h"), because retention is naturally written in days.
func parseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	var total time.Duration
	if i := strings.IndexByte(body, 'd'); i >= 0 {
		days, err := strconv.ParseInt(body[:i], 10, 64)
		const day = 24 * time.Hour
		if err != nil || days < 0 || days > int64(math.MaxInt64/day) {
			return 0, false
		}
		total = time.Duration(days) * day
		body = body[i+1:]
		if body == "" {
			if neg {
				total = -total
			}
			return total, true
		}
	}
	if body == "" || body[0] == '-' || body[0] == '+' {
		return 0, false
	}
	rest, err := time.ParseDuration(body)
	if err != nil || rest > math.MaxInt64-total {
		return 0, false
	}
	total += rest
	if neg {
		total = -total
	}
	return total, true
}

// sizeUnits are the suffixes parseSize accepts, matched case-insensitively:
// KB and friends are decimal, KiB and friends binary, as the names say.
var sizeUnits = map[string]float64{
	"b":  1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// parseSize parses "10485760", "10MiB", "1.5 MB".
func parseSize(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool {
		return (r < '0' || r > '9') && r != '.' && r != '-' && r != '+'
	})
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	if num == "" {
		return 0, false
	}
	mult, ok := sizeUnits[unit]
	if unit == "" {
		mult, ok = 1, true
	}
	if !ok {
		return 0, false
	}
	if mult == 1 {
		n, err := strconv.ParseInt(num, 10, 64)
		return n, err == nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	f *= mult
	if f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// suggest proposes the allowed key closest to a misspelt one.
func suggest(key string, allowed []string) string {
	best, bestDist := "", 3 // more than two edits away is not a typo
	for _, a := range allowed {
		if dist := editDistance(key, a); dist < bestDist {
			best, bestDist = a, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
