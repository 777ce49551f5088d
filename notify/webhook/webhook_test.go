package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestSignStandardVector checks the signature against the test vector of the Standard
// Webhooks specification, which every receiver library is tested with.
func TestSignStandardVector(t *testing.T) {
	key, err := DecodeSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestDecodeSecret(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"raw secret text", "raw secret text", false},
		{"whsec_aGVsbG8gd29ybGQ=", "hello world", false},
		{"whsec_aGVsbG8gd29ybGQ", "hello world", false}, // unpadded
		{"whsec_not base64!", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DecodeSecret(tt.in)
			if (err != nil) != tt.err || string(got) != tt.want {
				t.Errorf("DecodeSecret(%q) = %q, %v", tt.in, got, err)
			}
			if err != nil && strings.Contains(err.Error(), "base64!") {
				t.Errorf("error quotes the secret: %v", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	now := time.Unix(1_760_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	header := func(id string, ts int64, sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		h.Set("webhook-signature", sig)
		return h
	}
	good := Sign(key, "e1", now.Unix(), body)
	tests := []struct {
		name string
		h    http.Header
		body []byte
		ok   bool
	}{
		{"good", header("e1", now.Unix(), good), body, true},
		{"one of several", header("e1", now.Unix(), "v1,bm9wZQ== "+good), body, true},
		{"tampered body", header("e1", now.Unix(), good), []byte(`{"id":"e2"}`), false},
		{"other id", header("e2", now.Unix(), good), body, false},
		{"replayed", header("e1", now.Unix()-600, Sign(key, "e1", now.Unix()-600, body)), body, false},
		{"from the future", header("e1", now.Unix()+600, Sign(key, "e1", now.Unix()+600, body)), body, false},
		{"other key", header("e1", now.Unix(), Sign([]byte("another key of 16+"), "e1", now.Unix(), body)), body, false},
		{"missing", http.Header{}, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(key, tt.h, tt.body, now)
			if (err == nil) != tt.ok {
				t.Errorf("Verify = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func event(id string) watcher.Event {
	return watcher.Event{ID: id, Type: watcher.ArticleChanged, Time: time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC),
		Source: watcher.EventSource{Name: "vtv", URL: "https://vtv.vn/a.htm?x=<&>"}}
}

func TestNotify(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retry      bool
		ok         bool
		gone       bool
		retryAfter time.Duration
		msg        string
	}{
		{name: "200", status: 200, ok: true},
		{name: "204", status: 204, ok: true},
		{name: "410 gone", status: 410, body: "hook deleted", gone: true, msg: "endpoint gone: HTTP 410: hook deleted"},
		{name: "429 with seconds", status: 429, header: map[string]string{"Retry-After": "120"}, retry: true, retryAfter: 2 * time.Minute, msg: "HTTP 429 Too Many Requests"},
		{name: "503 with a date", status: 503, header: map[string]string{"Retry-After": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, retry: true, retryAfter: time.Hour, msg: "HTTP 503"},
		{name: "500", status: 500, body: "boom\nat line 3", retry: true, msg: "HTTP 500 Internal Server Error: boom at line 3"},
		{name: "400", status: 400, body: `{"error":"bad"}`, msg: `HTTP 400 Bad Request: {"error":"bad"}`},
		{name: "404", status: 404, msg: "HTTP 404 Not Found"},
		{name: "302 not followed", status: 302, header: map[string]string{"Location": "/elsewhere"}, msg: "redirects are not followed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			var gotBody []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r
				gotBody, _ = io.ReadAll(r.Body)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			url := srv.URL + "/hooks/T0KEN-IN-PATH?token=S3CRET-IN-QUERY"
			n, err := New(Config{URL: url, Secret: secret, Headers: map[string]string{"Authorization": "Bearer H3ADER"}, UserAgent: "hw-test"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(context.Background(), event("e1"))
			if (err == nil) != tt.ok || retry != tt.retry || errors.Is(err, ErrGone) != tt.gone {
				t.Fatalf("Notify = %v, %v", retry, err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %q lacks %q", err, tt.msg)
				}
				for _, s := range []string{"T0KEN", "S3CRET", "H3ADER", "MfKQ9r8G"} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error shows a secret: %v", err)
					}
				}
				var se *StatusError
				if errors.As(err, &se) {
					if d := se.Delay(); d < tt.retryAfter-2*time.Second || d > tt.retryAfter {
						t.Errorf("Delay = %v, want %v", d, tt.retryAfter)
					}
				}
			}
			// The request: the event JSON as is, signed, with the configured headers.
			if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "application/json" ||
				got.Header.Get("Authorization") != "Bearer H3ADER" || got.Header.Get("User-Agent") != "hw-test" {
				t.Errorf("request %s %v", got.Method, got.Header)
			}
			want, _ := Body(event("e1"))
			if string(gotBody) != string(want) || !strings.Contains(string(gotBody), `"url":"https://vtv.vn/a.htm?x=<&>"`) {
				t.Errorf("body %s", gotBody)
			}
			key, _ := DecodeSecret(secret)
			if err := Verify(key, got.Header, gotBody, time.Now()); err != nil || got.Header.Get("webhook-id") != "e1" {
				t.Errorf("signature: %v (id %q)", err, got.Header.Get("webhook-id"))
			}
		})
	}
}

func TestNotifyNetwork(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-stop // never answers in time
	}))
	url := srv.URL + "/x?token=S3CRET"
	n, err := New(Config{URL: url, Secret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		retry, err := n.Notify(ctx, event("e1"))
		if !retry || err == nil || strings.Contains(err.Error(), "S3CRET") || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("Notify = %v, %v", retry, err)
		}
	})
	close(stop)
	srv.Close()
	t.Run("refused", func(t *testing.T) {
		retry, err := n.Notify(context.Background(), event("e1"))
		if !retry || err == nil || strings.Contains(err.Error(), "S3CRET") || strings.Contains(err.Error(), "/x") {
			t.Errorf("Notify = %v, %v", retry, err)
		}
	})
}

func TestNew(t *testing.T) {
	for _, c := range []Config{
		{URL: "ftp://h/x", Secret: secret},
		{URL: "https:///x?token=S3CRET", Secret: secret},
		{URL: "https://h/x", Secret: ""},
		{URL: "https://h/x", Secret: "whsec_S3CRET!!"},
	} {
		if _, err := New(c, nil); err == nil || strings.Contains(err.Error(), "S3CRET") {
			t.Errorf("New(%+v) = %v", c, err)
		}
	}
}

func TestTarget(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.example.org/hanoiwatch?token=x": "https://hooks.example.org/…",
		"http://127.0.0.1:9000":                        "http://127.0.0.1:9000",
		"http://user:pw@h.example/":                    "http://h.example",
		"::":                                           "(url not shown)",
	} {
		if got := Target(in); got != want {
			t.Errorf("Target(%q) = %q, want %q", in, got, want)
		}
	}
}
