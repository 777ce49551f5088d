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

// Subject is one canonical figure subject: the phrases that name it, and the optional
// rules that make other figures count it (see subjects.yaml for what each field means).
type Subject struct {
	Key      string   `yaml:"-"`
	Phrases  []string `yaml:"phrases"`
	Measures []string `yaml:"measures"`
	Acts     []string `yaml:"acts"`
	By       []string `yaml:"by"`
	Needs    string   `yaml:"needs"`
	Cues     []string `yaml:"cues"`
	Ordinals bool     `yaml:"ordinals"`
	Unit     string   `yaml:"unit"`
}

// Subjects returns the canonical figure subjects in the order of subjects.yaml.
func Subjects() []Subject {
	out, err := ParseSubjects(subjectsYAML)
	if err != nil {
		panic(fmt.Sprintf("seeds: subjects.yaml: %v", err)) // embedded at build time: a test catches it
	}
	return out
}

// ParseSubjects reads a subjects table in the format of subjects.yaml: a mapping from each
// key to either a list of phrases or a mapping of the Subject fields. Errors name the line
// and the key; an unknown field, a subject without phrases or measures, and a "by" or
// "needs" naming no key of the table are errors.
func ParseSubjects(data []byte) ([]Subject, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping of subject keys", m.Line)
	}
	var out []Subject
	keys := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		s := Subject{Key: k.Value}
		switch v.Kind {
		case yaml.SequenceNode:
			if err := v.Decode(&s.Phrases); err != nil {
				return nil, fmt.Errorf("line %d: %s: %v", v.Line, k.Value, err)
			}
		case yaml.MappingNode:
			var b bytes.Buffer
			enc := yaml.NewEncoder(&b)
			if err := enc.Encode(v); err != nil {
				return nil, fmt.Errorf("line %d: %s: %v", v.Line, k.Value, err)
			}
			dec := yaml.NewDecoder(&b)
			dec.KnownFields(true)
			if err := dec.Decode(&s); err != nil {
				return nil, fmt.Errorf("line %d: %s: %v", v.Line, k.Value, err)
			}
		default:
			return nil, fmt.Errorf("line %d: %s: want a list of phrases or a mapping", v.Line, k.Value)
		}
		if keys[s.Key] {
			return nil, fmt.Errorf("line %d: %s: key given twice", k.Line, s.Key)
		}
		if len(s.Phrases) == 0 && len(s.Measures) == 0 {
			return nil, fmt.Errorf("line %d: %s: no phrases", k.Line, s.Key)
		}
		keys[s.Key] = true
		out = append(out, s)
	}
	for _, s := range out {
		for _, b := range append(append([]string(nil), s.By...), s.Needs) {
			if b != "" && !keys[b] {
				return nil, fmt.Errorf("%s: %q is no key of the table", s.Key, b)
			}
		}
	}
	return out, nil
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
