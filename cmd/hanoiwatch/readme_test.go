package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"hanoiwatch/config"
	"hanoiwatch/diff"
	"hanoiwatch/watcher"
)

// The README is documentation users copy from: its examples must keep working.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func blocks(doc, lang string) []string {
	re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
	var out []string
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestReadmeConfigExamples(t *testing.T) {
	t.Setenv("HANOIWATCH_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	t.Setenv("HANOIWATCH_SLACK_URL", "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook")
	t.Setenv("HANOIWATCH_WAYBACK_ACCESS", "AccessKey1")
	t.Setenv("HANOIWATCH_WAYBACK_SECRET", "SecretKey1")
	t.Setenv("HANOIWATCH_PG_PASSWORD", "pg-password")
	ys := blocks(readme(t), "yaml")
	if len(ys) == 0 {
		t.Fatal("no yaml example in the README")
	}
	for i, y := range ys {
		c, err := config.Parse([]byte(y), "README.md example")
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Errorf("example %d: %v", i, err)
		}
	}
}

func TestReadmeEventExampleDecodes(t *testing.T) {
	js := blocks(readme(t), "json")
	if len(js) < 2 {
		t.Fatal("README lacks the event example and its schema")
	}
	var e watcher.Event
	dec := json.NewDecoder(strings.NewReader(js[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("event example: %v", err)
	}
	var schema struct {
		Properties map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(js[1]), &schema); err != nil {
		t.Fatalf("schema: %v", err)
	}
	// Every field an event can carry is in the schema.
	b, _ := json.Marshal(watcher.Event{Diff: &diff.Result{}, Status: 1, Error: "x", Snapshot: "s", Previous: "p", Title: "t"})
	var fields map[string]any
	json.Unmarshal(b, &fields)
	for f := range fields {
		if _, ok := schema.Properties[f]; !ok {
			t.Errorf("event field %q is not in the README's schema", f)
		}
	}
}

func TestReadmeCommandsExist(t *testing.T) {
	doc := readme(t)
	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z]+)[ `]").FindAllStringSubmatch(doc, -1) {
		if c, _, err := root.Find([]string{m[1]}); err != nil || c == root {
			t.Errorf("README documents command %q, which does not exist", m[1])
		}
	}
	for _, c := range root.Commands() {
		if !c.Hidden && c.Name() != "help" && c.Name() != "completion" && !strings.Contains(doc, "| `"+c.Name()) {
			t.Errorf("command %q is not in the README's command table", c.Name())
		}
	}
	first := strings.Join(strings.Split(doc, "\n")[:6], "\n")
	for _, want := range []string{"go run ./cmd/hanoiwatch run", ".ci/test", "go test ./..."} {
		if !strings.Contains(first, want) {
			t.Errorf("the README's first lines lack %q", want)
		}
	}
	script, err := os.ReadFile("../../.ci/test")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go vet ./...", "go test ./...", "go test -race"} {
		if !strings.Contains(string(script), want) {
			t.Errorf(".ci/test, the README's test command, does not run %q", want)
		}
	}
}
