package config

import (
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Archive configures the copies of new versions that a third party keeps.
type Archive struct {
	Wayback Wayback
}

// Wayback is the Internet Archive's Save Page Now: the URL of every new or changed article is
// submitted, so that the Wayback Machine holds its own copy of each version. It is off
// unless both keys are set.
type Wayback struct {
	// AccessKey and SecretKey are the S3-like keys of an archive.org account
	// (https://archive.org/account/s3.php). Keep them out of the file: "${NAME}".
	AccessKey, SecretKey string
	// Endpoint is Save Page Now's base URL; the default is https://web.archive.org.
	Endpoint string
}

// Enabled reports whether submissions to the Wayback Machine are on.
func (w Wayback) Enabled() bool { return w.AccessKey != "" && w.SecretKey != "" }

// DefaultWaybackEndpoint is Save Page Now's address.
const DefaultWaybackEndpoint = "https://web.archive.org"

var (
	archiveKeys = []string{"wayback"}
	waybackKeys = []string{"access_key", "secret_key", "endpoint"}
)

func (d *decoder) archive(f field, n *yaml.Node, c *Config) {
	for _, p := range d.mapping(f, n, archiveKeys) {
		g := f.child(p)
		for _, q := range d.mapping(g, p.val, waybackKeys) {
			h := g.child(q)
			switch q.key {
			case "access_key":
				d.str(h, q.val, &c.Archive.Wayback.AccessKey)
			case "secret_key":
				d.str(h, q.val, &c.Archive.Wayback.SecretKey)
			case "endpoint":
				d.str(h, q.val, &c.Archive.Wayback.Endpoint)
			}
		}
	}
}

// archive checks the archive.* fields. The keys are never shown: they are secrets.
func (v *checker) archive(c Config) {
	p, w := c.pos, c.Archive.Wayback
	top := func(key, format string, args ...any) { v.add(p, key, key, 0, format, args...) }
	switch {
	case w.AccessKey != "" && w.SecretKey == "":
		top("archive.wayback.access_key", "needs secret_key as well")
	case w.AccessKey == "" && w.SecretKey != "":
		top("archive.wayback.secret_key", "needs access_key as well")
	}
	for key, val := range map[string]string{"archive.wayback.access_key": w.AccessKey, "archive.wayback.secret_key": w.SecretKey} {
		if strings.ContainsFunc(val, func(r rune) bool { return unicode.IsControl(r) || r == ':' || unicode.IsSpace(r) }) {
			top(key, "must not contain spaces, colons or control characters (it goes into an Authorization header)")
		}
	}
	if !httpURL(w.Endpoint) {
		top("archive.wayback.endpoint", "%s is not an absolute http(s) URL", p.show("archive.wayback.endpoint", strconv.Quote(w.Endpoint)))
	}
}
