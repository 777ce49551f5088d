package notify

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMessage(t *testing.T) {
	now := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	sample := SampleEvent(now)
	long := SampleEvent(now)
	long.Diff = &diff.Result{Stats: diff.Stats{Added: 5, Removed: 1}, Removed: []string{"Một dòng cũ."}}
	for i := range 5 {
		long.Diff.Added = append(long.Diff.Added, strings.Repeat("Dòng mới rất dài ", 20)+string(rune('A'+i)))
	}
	pct := 3.5
	long.Figures = append(long.Figures, figures.Change{Subject: "du PIB", Before: nil, After: &pct, Unit: "%"},
		figures.Change{Subject: "octobre", Before: f(25), After: f(26), Kind: "date"})
	tests := []struct {
		name string
		e    watcher.Event
	}{
		{"changed", sample},
		{"long", long},
		{"new", watcher.Event{Type: watcher.ArticleNew, Source: sample.Source, Title: "Công ước Hà Nội",
			Diff: &diff.Result{Added: []string{"the whole text"}}}},
		{"gone", watcher.Event{Type: watcher.ArticleGone, Source: sample.Source, Status: 404}},
		{"failed", watcher.Event{Type: watcher.FetchFailed, Source: sample.Source, Error: "HTTP 503 Service Unavailable\nretry later"}},
		{"restored", watcher.Event{Type: watcher.ArticleRestored, Source: sample.Source}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Message(tt.e)
			golden := filepath.Join("testdata", "message_"+tt.name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Message =\n%s\nwant\n%s", got, want)
			}
			if n := len([]rune(got)); n > 2000 {
				t.Errorf("message of %d characters: too long for a chat", n)
			}
		})
	}
}

// TestChannel sends through shoutrrr's ntfy service to a local ntfy stand-in.
func TestChannel(t *testing.T) {
	got := make(chan string, 4)
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/hanoiwatch-T0PICSECRET" || r.Header.Get("Authorization") == "" {
			t.Errorf("ntfy got %s %v", r.URL.Path, r.Header)
		}
		code := status // read before the send: the test changes it after the receive
		got <- string(b)
		w.WriteHeader(code)
		io.WriteString(w, `{"code":40301,"http":403,"error":"forbidden"}`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ep := config.Endpoint{Name: "ntfy", URL: "ntfy://alice:PASSW0RDSECRET@" + host + "/hanoiwatch-T0PICSECRET?disabletls=yes"}
	s, err := newEndpoint(ep, "")
	if err != nil {
		t.Fatal(err)
	}
	e := SampleEvent(time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if retry, err := s.Notify(ctx, e); err != nil {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	if msg := <-got; msg != Message(e) {
		t.Errorf("ntfy got\n%s\nwant\n%s", msg, Message(e))
	}

	status = http.StatusForbidden
	retry, err := s.Notify(ctx, e)
	<-got
	if !retry || err == nil {
		t.Fatalf("refused: Notify = %v, %v", retry, err)
	}
	srv.Close()
	_, err2 := s.Notify(ctx, e)
	for _, err := range []error{err, err2} {
		if err == nil {
			t.Fatal("no error from a closed server")
		}
		if msg := err.Error(); strings.Contains(msg, "SECRET") || strings.Contains(msg, "alice") {
			t.Errorf("error shows a secret: %s", msg)
		}
		if !strings.HasPrefix(err.Error(), "ntfy: ") {
			t.Errorf("error does not name the service: %s", err)
		}
	}
}

func TestNewChannel(t *testing.T) {
	for _, u := range []string{"slak://T0KEN@x", "::T0KEN"} {
		if _, err := newChannel(u); err == nil || strings.Contains(err.Error(), "T0KEN") {
			t.Errorf("newChannel(%q) = %v", u, err)
		}
	}
	// Set up at the first send, with an error that does not quote the URL.
	c, err := newChannel("telegram://T0KEN@telegram") // no chats: invalid
	if err != nil {
		t.Fatal(err)
	}
	retry, err := c.Notify(context.Background(), SampleEvent(time.Now()))
	if !retry || err == nil || strings.Contains(err.Error(), "T0KEN") {
		t.Errorf("Notify = %v, %v", retry, err)
	}
}

func TestScrub(t *testing.T) {
	ep := config.Endpoint{URL: "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook"}
	secrets := secretsOf(ep)
	tests := []struct{ in, want string }{
		{`Post "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX": EOF`, `Post "https://hooks.slack.com/…": EOF`},
		{"token T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX refused", "token *** refused"},
		{"part B00000000 only", "part *** only"},
		{"slack: webhook said no", "slack: webhook said no"},
		{"see https://user:pw@h.example:8080/x?y=1 and ntfy://ntfy.sh/topic", "see https://h.example:8080/… and ntfy://ntfy.sh/…"},
	}
	for _, tt := range tests {
		if got := Scrub(tt.in, secrets); got != tt.want {
			t.Errorf("Scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
