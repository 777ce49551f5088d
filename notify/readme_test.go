package notify

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/notify/webhook"
)

// The README is what users copy from: its configuration must load and its verification
// snippets must accept hanoiwatch's signatures and refuse a tampered body.

func readmeBlocks(t *testing.T, lang string) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The section on notifications, up to the next top-level section.
	doc := string(b)
	start := strings.Index(doc, "\n## Notifications")
	if start < 0 {
		t.Fatal("README.md has no Notifications section")
	}
	doc = doc[start+1:]
	if end := strings.Index(doc, "\n## "); end > 0 {
		doc = doc[:end]
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```"+lang+"\n(.*?)```").FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatalf("no %s block in the README's Notifications section", lang)
	}
	return out
}

func TestReadmeConfig(t *testing.T) {
	t.Setenv("HANOIWATCH_WEBHOOK_SECRET", testSecret)
	t.Setenv("HANOIWATCH_SLACK_URL", "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook")
	for i, y := range readmeBlocks(t, "yaml") {
		c, err := config.Parse([]byte(y), "README.md")
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		if _, _, err := FromConfig(c, nil, nil); err != nil {
			t.Errorf("example %d: %v", i, err)
		}
		if d := config.Default().Notify; c.Notify.Timeout != d.Timeout || c.Notify.Retry != d.Retry {
			t.Errorf("example %d shows %v %+v, the defaults are %v %+v", i, c.Notify.Timeout, c.Notify.Retry, d.Timeout, d.Retry)
		}
	}
}

// signed is a request as hanoiwatch sends it, and the same body tampered with.
func signed(t *testing.T) (id, ts, sig string, body, tampered []byte) {
	e := SampleEvent(time.Now())
	body, err := webhook.Body(e)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := webhook.DecodeSecret(testSecret)
	now := time.Now().Unix()
	tampered = []byte(strings.Replace(string(body), `"after":72`, `"after":73`, 1))
	return e.ID, strconv.FormatInt(now, 10), "v1,bm90IGl0 " + webhook.Sign(key, e.ID, now, body), body, tampered
}

func TestReadmeShellVerification(t *testing.T) {
	for _, tool := range []string{"sh", "openssl", "base64", "od"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	script := readmeBlocks(t, "sh")[0]
	id, ts, sig, body, tampered := signed(t)
	for _, tt := range []struct {
		body []byte
		want string
	}{{body, "valid"}, {tampered, "INVALID"}} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "body.json"), tt.body, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sh", "-c", "set -e\n"+script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "id="+id, "ts="+ts, "signature="+sig, "HANOIWATCH_WEBHOOK_SECRET="+testSecret)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != tt.want {
			t.Errorf("shell verification printed %q (%v), want %q", out, err, tt.want)
		}
	}
}

func TestReadmeGoVerification(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a program")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	prog := `package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

` + readmeBlocks(t, "go")[0] + `
func main() {
	h := http.Header{}
	h.Set("webhook-id", os.Args[1])
	h.Set("webhook-timestamp", os.Args[2])
	h.Set("webhook-signature", os.Args[3])
	body, _ := os.ReadFile(os.Args[4])
	fmt.Print(verify(os.Args[5], h, body))
}
`
	dir := t.TempDir()
	src := filepath.Join(dir, "verify.go")
	if err := os.WriteFile(src, []byte(prog), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "verify")
	if out, err := exec.Command(gobin, "build", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("the README's Go snippet does not compile: %v\n%s", err, out)
	}
	id, ts, sig, body, tampered := signed(t)
	for _, tt := range []struct {
		body   []byte
		secret string
		want   string
	}{{body, testSecret, "true"}, {tampered, testSecret, "false"}, {body, "whsec_b3RoZXIgc2VjcmV0IGtleSAxMjM0", "false"}} {
		f := filepath.Join(dir, "body.json")
		if err := os.WriteFile(f, tt.body, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, id, ts, sig, f, tt.secret).CombinedOutput()
		if err != nil || string(out) != tt.want {
			t.Errorf("verify printed %q (%v), want %s", out, err, tt.want)
		}
	}
}
