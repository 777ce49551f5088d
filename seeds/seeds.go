// Package seeds holds the defaults embedded in the binary: the watched source articles,
// the canonical figure subjects and the topic keywords.
package seeds

import (
	"bytes"
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"
)

//go:embed sources.yaml
var sourcesYAML []byte

//go:embed subjects.yaml
var subjectsYAML []byte

// Source is one seeded article.
type Source struct {
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	Kind    string `yaml:"kind"` // "" for a news article, "treaty-status" for the UN depositary record
	Lang    string `yaml:"lang"`
	Reports string `yaml:"reports"` // the date the article reports: YYYY-MM-DD or YYYY-MM
}

// Sources returns the default watch list.
func Sources() []Source {
	var s []Source
	if err := yaml.Unmarshal(sourcesYAML, &s); err != nil {
		panic(fmt.Sprintf("seeds: sources.yaml: %v", err)) // embedded at build time: a test catches it
	}
	return s
}

// Subject is one canonical figure subject and the phrases that name it.
type Subject struct {
	Key     string
	Phrases []string
}

// Subjects returns the canonical figure subjects in the order of subjects.yaml.
func Subjects() []Subject {
	var doc yaml.Node
	if err := yaml.Unmarshal(subjectsYAML, &doc); err != nil {
		panic(fmt.Sprintf("seeds: subjects.yaml: %v", err))
	}
	var out []Subject
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		var ph []string
		if err := m.Content[i+1].Decode(&ph); err != nil {
			panic(fmt.Sprintf("seeds: subjects.yaml: %s: %v", m.Content[i].Value, err))
		}
		out = append(out, Subject{Key: m.Content[i].Value, Phrases: ph})
	}
	return out
}

//go:embed keywords.yaml
var keywordsYAML []byte

//go:embed feeds.yaml
var feedsYAML []byte

// Keywords returns keywords.yaml, the topic keywords of coverage discovery by language.
// It is returned as text, for discover.ParseKeywords: parsing it here would pull the
// crawler into every importer of seeds. The slice is a copy the caller may keep.
func Keywords() []byte { return bytes.Clone(keywordsYAML) }

// Feeds returns feeds.yaml, the default coverage-discovery jobs (feeds and listing pages
// of the seed sites), as text for discover.ParseJobs. The slice is a copy the caller may
// keep.
func Feeds() []byte { return bytes.Clone(feedsYAML) }
