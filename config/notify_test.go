package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoadNotify(t *testing.T) {
	t.Setenv("HW_TEST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	t.Setenv("HW_TEST_TOKEN", "tok-123")
	c, err := Load(filepath.Join("testdata", "good", "notify.yaml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	n := c.Notify
	if n.Timeout != 5*time.Second || n.Retry != (Retry{InitialDelay: 30 * time.Second, MaxDelay: 12 * time.Hour, MaxAttempts: 10}) {
		t.Errorf("timeout %v, retry %+v", n.Timeout, n.Retry)
	}
	strip := func(es []Endpoint) []Endpoint {
		out := make([]Endpoint, len(es))
		for i, e := range es {
			e.pos = nil
			out[i] = e
		}
		return out
	}
	want := []Endpoint{
		{Name: "research-db", URL: "https://hooks.example.org/hanoiwatch?team=research",
			Secret:  "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			Headers: map[string]string{"X-Team": "research", "Authorization": "Bearer tok-123"},
			Types:   []string{"article.changed", "article.restored"}, Sources: []string{"vtv", "bao*"},
			FiguresOnly: true, Subjects: []string{"signatories", "delegates"}, MinChange: 2, MinChangePct: 5.5, Line: 9},
		{Name: "newsroom-slack", URL: "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook", Line: 21},
		{Name: "raw-secret", URL: "http://127.0.0.1:9000/hook", Secret: "a raw secret of enough bytes", Line: 23},
	}
	equal(t, "endpoints", strip(n.Endpoints), want)
	for i, webhook := range []bool{true, false, true} {
		if n.Endpoints[i].Webhook() != webhook {
			t.Errorf("endpoints[%d].Webhook() = %v", i, !webhook)
		}
	}
}

func TestNotifyDefaults(t *testing.T) {
	c, err := Parse([]byte("notify:\n  endpoints:\n    - name: a\n      url: ntfy://ntfy.sh/x\n"), "hw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := Default().Notify; c.Notify.Timeout != d.Timeout || c.Notify.Retry != d.Retry {
		t.Errorf("notify = %+v, want the defaults %+v", c.Notify, d)
	}
	if d := Default().Notify; d.Retry.InitialDelay <= 0 || d.Retry.MaxDelay < d.Retry.InitialDelay || d.Retry.MaxAttempts < 1 {
		t.Errorf("bad default retry %+v", d.Retry)
	}
}

func TestLoadNotifyBad(t *testing.T) {
	const secretURL = "SECRETTOKENVALUE" // a literal token must not be echoed either
	tests := []badConfig{
		{"unknown_key.yaml", 6, `notify.endpoints[0].header: unknown key (did you mean "headers"?); allowed keys: name, url, secret, headers,`},
		{"unknown_notify_key.yaml", 2, `notify.retyr: unknown key (did you mean "retry"?); allowed keys: timeout, retry, endpoints`},
		{"missing_url.yaml", 3, `notify.endpoints[0].url: required`},
		{"missing_secret.yaml", 3, `notify.endpoints[0].secret: required for a webhook`},
		{"short_secret.yaml", 5, `notify.endpoints[0].secret: is 5 bytes long; use at least 16`},
		{"bad_whsec.yaml", 5, `notify.endpoints[0].secret: starts with "whsec_" but the rest is not base64`},
		{"secret_on_channel.yaml", 5, `notify.endpoints[0].secret: is for webhooks: a shoutrrr URL carries its own credentials`},
		{"headers_on_channel.yaml", 5, `notify.endpoints[0].headers: are for webhooks`},
		{"reserved_header.yaml", 7, `notify.endpoints[0].headers.Webhook-Signature: is set by hanoiwatch itself`},
		{"repeated_header.yaml", 8, `notify.endpoints[0].headers.x-token: repeated header (first at line 7)`},
		{"header_newline.yaml", 7, `notify.endpoints[0].headers.X-Token: must not contain control characters`},
		{"headers_not_mapping.yaml", 6, `notify.endpoints[0].headers: must be a mapping of header names to values, got a list`},
		{"bad_scheme.yaml", 4, `notify.endpoints[0].url: scheme "slak" is neither http(s), for a webhook, nor a shoutrrr service: bark,`},
		{"bad_slack_url.yaml", 4, `notify.endpoints[0].url: is not a valid "slack" service URL: invalid slack token format (the value is not shown`},
		{"empty_telegram_url.yaml", 4, `notify.endpoints[0].url: is not a valid "telegram" service URL: invalid telegram token (the value`},
		{"telegram_no_chats.yaml", 4, `notify.endpoints[0].url: is not a valid "telegram" service URL: no channels defined in config URL (`},
		{"telegram_bad_token.yaml", 4, `notify.endpoints[0].url: is not a valid "telegram" service URL: invalid telegram token: *** (`},
		{"smtp_no_from.yaml", 4, `notify.endpoints[0].url: is not a valid "smtp" service URL: fromAddress missing from config URL (`},
		{"token_as_url.yaml", 4, `notify.endpoints[0].url: is not an absolute URL (the value is not shown`},
		{"no_host.yaml", 4, `notify.endpoints[0].url: a webhook URL needs a host`},
		{"duplicate_name.yaml", 5, `notify.endpoints[1].name: "slack" is already used by notify.endpoints[0] (line 3)`},
		{"bad_name.yaml", 3, `notify.endpoints[0].name: "Newsroom Slack" is not a valid name`},
		{"bad_type.yaml", 5, `notify.endpoints[0].types[1]: "article.changd" is not an event type: article.new, article.changed,`},
		{"bad_glob.yaml", 5, `notify.endpoints[0].sources[0]: "[vtv" is not a source name or glob`},
		{"unknown_subject.yaml", 5, `notify.endpoints[0].subjects[0]: "signatorie" is not a figure subject key (did you mean "signatories"?); known keys: `},
		{"negative_change.yaml", 5, `notify.endpoints[0].min_change: -1 must not be negative`},
		{"bad_pct.yaml", 5, `notify.endpoints[0].min_change_pct: "ten" is not a number`},
		{"bad_bool.yaml", 5, `notify.endpoints[0].figures_only: "yes" is not true or false`},
		{"zero_timeout.yaml", 2, `notify.timeout: 0s must be positive`},
		{"max_below_initial.yaml", 4, `notify.retry.max_delay: 30s must be at least initial_delay (1m0s)`},
		{"zero_attempts.yaml", 3, `notify.retry.max_attempts: 0 must be at least 1`},
		{"endpoints_not_list.yaml", 2, `notify.endpoints: must be a list of endpoints, got a mapping`},
		{"endpoint_not_mapping.yaml", 3, `notify.endpoints[0]: must be a mapping with the keys name, url,`},
	}
	// What no message may contain: the secrets and tokens of the fixtures.
	leak := regexp.MustCompile(`MfKQ9r8G|c2hvcnQ|AAHdqTcv|XXXXXXXXXXXX|forged|` + secretURL + `|X-Evil|one\r`)
	loadBad(t, filepath.Join("testdata", "bad", "notify"), tests, func(t *testing.T, err error) {
		if m := leak.FindString(err.Error()); m != "" {
			t.Errorf("error shows a secret (%q):\n%v", m, err)
		}
	})
}

// TestNotifySecretsNeverPrinted checks that values from the environment
// and values of secret fields stay out of every message.
func TestNotifySecretsNeverPrinted(t *testing.T) {
	const secret = "Hunter2-S3cr3t"
	t.Setenv("HW_TEST_SECRET", secret)
	t.Setenv("HW_TEST_BAD_URL", secret+"://x")
	t.Setenv("HW_TEST_SHORT", "whsec_"+secret)
	data := `notify:
  endpoints:
    - name: a
      url: ${HW_TEST_BAD_URL}
    - name: b
      url: https://h.example/${HW_TEST_SECRET}
      secret: ${HW_TEST_SHORT}
      headers: {"X-${HW_TEST_SECRET}": "v"}
    - name: c
      url: https://h.example/x
      secret: "` + secret + `"
      types: ["${HW_TEST_SECRET}"]
`
	path := filepath.Join(t.TempDir(), "hw.yaml")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Contains(msg, "Hunter2") || strings.Contains(msg, "S3cr3t") {
		t.Errorf("error leaks a secret:\n%s", msg)
	}
	for _, want := range []string{
		path + `:4: notify.endpoints[0].url: its scheme is neither http(s)`,
		path + `:7: notify.endpoints[1].secret: starts with "whsec_" but the rest is not base64`,
		path + `:11: notify.endpoints[2].secret: is 14 bytes long; use at least 16`,
		path + `:12: notify.endpoints[2].types[0]: "${HW_TEST_SECRET}" (expanded) is not an event type`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in\n%s", want, msg)
		}
	}
}

// TestExampleNotify loads the commented-out notify section of example.yaml,
// so that what users uncomment works.
func TestExampleNotify(t *testing.T) {
	t.Setenv("HANOIWATCH_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	t.Setenv("HANOIWATCH_SLACK_URL", "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook")
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The section is commented out with "# " at the start of each line, so
	// that removing those two characters gives YAML (with its own comments).
	// Only the section is kept: the rest of the example has its own test.
	var b strings.Builder
	in := false
	for line := range strings.Lines(string(data)) {
		switch {
		case strings.HasPrefix(line, "# notify:"):
			in = true
		case in && !strings.HasPrefix(line, "#"):
			in = false
		}
		if in {
			b.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
		}
	}
	if !strings.HasPrefix(b.String(), "notify:\n") {
		t.Fatal("example.yaml has no commented-out notify section")
	}
	path := filepath.Join(t.TempDir(), "example.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("the notify section of example.yaml does not load once uncommented: %v", err)
	}
	if len(c.Notify.Endpoints) < 2 {
		t.Errorf("example shows %d endpoints", len(c.Notify.Endpoints))
	}
	d := Default().Notify
	if c.Notify.Timeout != d.Timeout || !reflect.DeepEqual(c.Notify.Retry, d.Retry) {
		t.Errorf("example notify %v %+v, defaults %v %+v: keep the two in step", c.Notify.Timeout, c.Notify.Retry, d.Timeout, d.Retry)
	}
}

// TestChannelURLFromEnv: a service URL from the environment that its service refuses is
// reported without naming the service or showing any of the URL.
func TestChannelURLFromEnv(t *testing.T) {
	t.Setenv("HW_TEST_SLACK_URL", "slack://Hunter2-S3cr3tPart")
	c, err := Parse([]byte("notify:\n  endpoints:\n    - name: a\n      url: ${HW_TEST_SLACK_URL}\n"), "hw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	want := `hw.yaml:4: notify.endpoints[0].url: is not a valid service URL (from the environment): invalid slack token format (the value is not shown`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Validate = %v\nwant %s...", err, want)
	}
	if strings.Contains(err.Error(), "Hunter2") || strings.Contains(err.Error(), "S3cr3t") {
		t.Errorf("error leaks the URL: %v", err)
	}
}
