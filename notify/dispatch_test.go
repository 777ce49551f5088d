package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/notify/webhook"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// receiver is a webhook endpoint on 127.0.0.1 that checks the signature of every request
// (and answers 401 to a bad one, as a real receiver should) and then answers what answer
// says for the n-th request (0-based).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	key    []byte
	mu     sync.Mutex
	answer func(n int, id string) int
	seen   []string // webhook-id of every request, in order
	taken  []string // ids answered 2xx, in order
	bad    int      // requests whose signature did not verify
}

func newReceiver(t *testing.T, answer func(n int, id string) int) *receiver {
	key, err := webhook.DecodeSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, key: key, answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := webhook.Verify(r.key, req.Header, body, time.Now()); err != nil {
		r.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var e watcher.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get("webhook-id") {
		r.t.Errorf("body %s does not hold the event %s: %v", body, req.Header.Get("webhook-id"), err)
	}
	id := req.Header.Get("webhook-id")
	status := r.answer(len(r.seen), id)
	r.seen = append(r.seen, id)
	if status/100 == 2 {
		r.taken = append(r.taken, id)
	}
	w.WriteHeader(status)
}

func (r *receiver) got() (seen, taken []string, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...), append([]string(nil), r.taken...), r.bad
}

// clock is a fake time for Dispatcher.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// observed keeps every attempt.
type observed struct {
	mu sync.Mutex
	as []Attempt
}

func (o *observed) Observe(a Attempt) {
	o.mu.Lock()
	o.as = append(o.as, a)
	o.mu.Unlock()
}

func (o *observed) results() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, a := range o.as {
		out = append(out, a.Event+":"+string(a.Result))
	}
	return strings.Join(out, " ")
}

var t0 = time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)

// fixture is a store with events owed to webhook endpoints, as the watcher records them,
// and a dispatcher built from the configuration, as the commands build it.
type fixture struct {
	t      *testing.T
	store  *store.Store
	router watcher.Router
	d      *Dispatcher
	clock  *clock
	obs    *observed
	logs   *lockedBuffer
	seq    int
}

func newFixture(t *testing.T, eps ...config.Endpoint) *fixture {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := config.Default()
	c.Notify.Endpoints = eps
	c.Notify.Retry = config.Retry{InitialDelay: 10 * time.Second, MaxDelay: time.Hour, MaxAttempts: 10}
	c.Notify.Timeout = 2 * time.Second
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	r, d, err := FromConfig(c, s, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, store: s, router: r, d: d, clock: &clock{now: t0}, obs: &observed{}, logs: logs}
	d.Now, d.Observer = fx.clock.Now, fx.obs
	d.Jitter = func() float64 { return 0.5 }
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs)
		}
	})
	return fx
}

// lockedBuffer is a log destination shared by the dispatcher's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func webhookEndpoint(name, url string) config.Endpoint {
	return config.Endpoint{Name: name, URL: url, Secret: testSecret}
}

// record writes one check with n article.changed events of source, routed by the router,
// the way Watcher.Check does; it returns the event ids.
func (fx *fixture) record(source string, n int) []string {
	fx.t.Helper()
	at := fx.clock.Now()
	r := watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultChanged},
		State: watcher.State{LastCheck: at}}
	var ids []string
	for range n {
		fx.seq++
		e := SampleEvent(at)
		e.ID = source + "-" + strconv.Itoa(fx.seq)
		e.Source.Name = source
		ids = append(ids, e.ID)
		r.Events = append(r.Events, e)
		r.Deliveries = append(r.Deliveries, watcher.Deliveries(fx.router, e)...)
	}
	if err := fx.store.Record(r); err != nil {
		fx.t.Fatal(err)
	}
	return ids
}

func (fx *fixture) flush() {
	fx.t.Helper()
	if err := fx.d.Flush(context.Background()); err != nil {
		fx.t.Fatal(err)
	}
}

func (fx *fixture) deliveries(state watcher.DeliveryState) []watcher.Delivery {
	fx.t.Helper()
	ds, err := fx.store.Deliveries(state)
	if err != nil {
		fx.t.Fatal(err)
	}
	return ds
}

func TestSignedDelivery(t *testing.T) {
	rcv := newReceiver(t, func(int, string) int { return http.StatusNoContent })
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL+"/in"))
	ids := fx.record("vtv", 3)
	fx.flush()
	seen, taken, bad := rcv.got()
	if bad != 0 || strings.Join(taken, " ") != strings.Join(ids, " ") || len(seen) != 3 {
		t.Errorf("seen %v, taken %v, bad signatures %d; want %v", seen, taken, bad, ids)
	}
	if n := len(fx.deliveries("")); n != 0 {
		t.Errorf("%d deliveries left", n)
	}

	// A receiver that checks signatures refuses a tampered body: the same request with
	// one byte changed.
	e := SampleEvent(t0)
	body, _ := webhook.Body(e)
	key, _ := webhook.DecodeSecret(testSecret)
	ts := time.Now().Unix()
	for _, tampered := range []bool{false, true} {
		b := bytes.Clone(body)
		if tampered {
			b = bytes.Replace(b, []byte(`"after":72`), []byte(`"after":73`), 1)
		}
		req, _ := http.NewRequest(http.MethodPost, rcv.srv.URL, bytes.NewReader(b))
		req.Header.Set("webhook-id", e.ID)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("webhook-signature", webhook.Sign(key, e.ID, ts, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{false: 204, true: 401}[tampered]; resp.StatusCode != want {
			t.Errorf("tampered %v: HTTP %d, want %d", tampered, resp.StatusCode, want)
		}
	}
}

// TestRetryThenAccept: an endpoint fails five times with 500, then accepts. The first
// event is delivered once accepted, after 6 attempts; the events behind it wait and
// arrive after it, in order.
func TestRetryThenAccept(t *testing.T) {
	rcv := newReceiver(t, func(n int, _ string) int {
		if n < 5 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL))
	ids := fx.record("vtv", 2)
	ids = append(ids, fx.record("nhandan", 1)...)

	var waits []time.Duration
	for round := 0; round < 20 && len(fx.deliveries(watcher.DeliveryPending)) > 0; round++ {
		fx.flush()
		if h, due, _ := fx.store.Due("hook", fx.clock.Now()); h.ID != "" {
			if due {
				t.Fatalf("round %d: head %s still due after Flush", round, h.ID)
			}
			waits = append(waits, h.NextAttempt.Sub(fx.clock.Now()))
			if h.Attempts != round+1 || !strings.Contains(h.LastError, "HTTP 500") {
				t.Errorf("round %d: head %+v", round, h)
			}
			fx.clock.Add(h.NextAttempt.Sub(fx.clock.Now()))
		}
	}
	seen, taken, bad := rcv.got()
	if bad != 0 {
		t.Errorf("%d requests with a bad signature", bad)
	}
	want := []string{ids[0], ids[0], ids[0], ids[0], ids[0], ids[0], ids[1], ids[2]}
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Errorf("requests %v, want %v", seen, want)
	}
	if strings.Join(taken, " ") != strings.Join(ids, " ") {
		t.Errorf("accepted %v, want %v", taken, ids)
	}
	// Exponential: 10s, 20s, 40s... of which the fixed jitter keeps three quarters.
	wantWaits := []time.Duration{7500 * time.Millisecond, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute}
	if len(waits) != len(wantWaits) {
		t.Fatalf("waits %v", waits)
	}
	for i := range waits {
		if waits[i] != wantWaits[i] {
			t.Errorf("wait %d = %v, want %v", i+1, waits[i], wantWaits[i])
		}
	}
	var delivered *Attempt
	for _, a := range fx.obs.as {
		if a.Event == ids[0] && a.Result == Delivered {
			delivered = &a
		}
	}
	if delivered == nil || delivered.Attempts != 6 || delivered.Latency != 3*time.Minute+52500*time.Millisecond {
		t.Errorf("attempt that delivered %s: %+v", ids[0], delivered)
	}
	if got := fx.obs.results(); strings.Count(got, ":retry") != 5 || strings.Count(got, ":delivered") != 3 {
		t.Errorf("observed %s", got)
	}
}

// TestRunRetries is the same with the daemon's loop and real time, backoff shortened.
func TestRunRetries(t *testing.T) {
	rcv := newReceiver(t, func(n int, _ string) int {
		if n < 5 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL))
	fx.d.Now = nil
	fx.d.Backoff = Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 10}
	fx.d.Poll = 5 * time.Millisecond
	ids := fx.record("vtv", 3)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- fx.d.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, taken, _ := rcv.got(); len(taken) == 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	more := fx.record("baotintuc", 1) // written while Run runs: found by its poll
	for time.Now().Before(deadline) {
		if _, taken, _ := rcv.got(); len(taken) == 4 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	seen, taken, _ := rcv.got()
	if want := append(ids, more...); strings.Join(taken, " ") != strings.Join(want, " ") || len(seen) != 9 {
		t.Errorf("seen %v, taken %v, want %v", seen, taken, want)
	}
}

func TestGone(t *testing.T) {
	rcv := newReceiver(t, func(int, string) int { return http.StatusGone })
	ok := newReceiver(t, func(int, string) int { return http.StatusOK })
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL), webhookEndpoint("other", ok.srv.URL))
	ids := fx.record("vtv", 3)
	fx.flush()

	seen, _, _ := rcv.got()
	if len(seen) != 1 {
		t.Errorf("the gone endpoint got %d requests, want 1", len(seen))
	}
	if _, taken, _ := ok.got(); len(taken) != 3 {
		t.Errorf("the other endpoint got %v: a gone endpoint must not hold up the others", taken)
	}
	dead := fx.deliveries(watcher.DeliveryDead)
	if len(dead) != 3 {
		t.Fatalf("dead = %+v", dead)
	}
	for _, d := range dead {
		if d.Endpoint != "hook" || !strings.Contains(d.LastError, "endpoint gone: HTTP 410") {
			t.Errorf("dead %+v", d)
		}
	}
	if g, gone, _ := fx.store.IsGone("hook"); !gone || !strings.Contains(g.Reason, "410") {
		t.Errorf("IsGone = %+v %v", g, gone)
	}
	if !strings.Contains(fx.logs.String(), `"msg":"notify: endpoint gone`) {
		t.Errorf("not reported in the log:\n%s", fx.logs)
	}
	if got := fx.obs.results(); !strings.Contains(got, ids[0]+":gone") {
		t.Errorf("observed %s", got)
	}

	// Later events for it go straight to the dead-letter list: nothing more is sent.
	later := fx.record("vtv", 1)
	fx.flush()
	if seen, _, _ := rcv.got(); len(seen) != 1 {
		t.Errorf("the gone endpoint got %d requests", len(seen))
	}
	if d := fx.deliveries(watcher.DeliveryDead); len(d) != 4 || d[3].ID != later[0]+"@hook" || !strings.Contains(d[3].LastError, "not sent: the endpoint is gone") {
		t.Errorf("dead = %+v", d)
	}

	// `outbox retry --all` once the endpoint is back: everything arrives, in order.
	rcv.mu.Lock()
	rcv.answer = func(int, string) int { return http.StatusOK }
	rcv.mu.Unlock()
	if dead, pending, err := fx.store.RequeueAll(); err != nil || dead != 4 || pending != 0 {
		t.Fatalf("RequeueAll = %d %d %v", dead, pending, err)
	}
	fx.clock.Set(time.Now()) // the store dates re-queued deliveries by the real clock
	fx.flush()
	if _, taken, _ := rcv.got(); strings.Join(taken, " ") != strings.Join(append(ids, later...), " ") {
		t.Errorf("after retry: %v", taken)
	}
}

// TestDeadAndRequeue: a refused delivery (400) goes dead at once, the next ones go on;
// re-queued, it is delivered at the end of the queue.
func TestDeadAndRequeue(t *testing.T) {
	refuse := true
	rcv := newReceiver(t, func(n int, id string) int {
		if refuse && n == 0 {
			return http.StatusBadRequest
		}
		return http.StatusOK
	})
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL))
	ids := fx.record("vtv", 3)
	fx.flush()
	dead := fx.deliveries(watcher.DeliveryDead)
	if len(dead) != 1 || dead[0].ID != ids[0]+"@hook" || dead[0].Attempts != 1 || !strings.Contains(dead[0].LastError, "HTTP 400") {
		t.Fatalf("dead = %+v", dead)
	}
	if _, taken, _ := rcv.got(); strings.Join(taken, " ") != ids[1]+" "+ids[2] {
		t.Errorf("taken %v", taken)
	}
	if _, err := fx.store.Requeue(ids[0]); err != nil {
		t.Fatal(err)
	}
	fx.clock.Set(time.Now())
	fx.flush()
	seen, taken, _ := rcv.got()
	if strings.Join(taken, " ") != ids[1]+" "+ids[2]+" "+ids[0] || len(seen) != 4 {
		t.Errorf("seen %v taken %v", seen, taken)
	}
	if n := len(fx.deliveries("")); n != 0 {
		t.Errorf("%d deliveries left", n)
	}
}

func TestOutOfAttempts(t *testing.T) {
	rcv := newReceiver(t, func(int, string) int { return http.StatusServiceUnavailable })
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL))
	fx.d.Backoff.MaxAttempts = 3
	ids := fx.record("vtv", 2)
	for range 10 {
		fx.flush()
		fx.clock.Add(time.Hour)
	}
	dead := fx.deliveries(watcher.DeliveryDead)
	if len(dead) != 2 {
		t.Fatalf("dead = %+v", dead)
	}
	for i, d := range dead {
		if d.ID != ids[i]+"@hook" || d.Attempts != 3 || !strings.HasPrefix(d.LastError, "gave up after 3 attempts: webhook http://127.0.0.1:") {
			t.Errorf("dead[%d] = %+v", i, d)
		}
	}
	if seen, _, _ := rcv.got(); len(seen) != 6 {
		t.Errorf("%d requests, want 6", len(seen))
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"600", 10 * time.Minute},
		{"86400", time.Hour}, // at most Backoff.Max
		{"1", 7500 * time.Millisecond},
		{"", 7500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			defer srv.Close()
			fx := newFixture(t, webhookEndpoint("hook", srv.URL))
			fx.record("vtv", 1)
			fx.flush()
			h, _, err := fx.store.Due("hook", t0)
			if err != nil || h.NextAttempt.Sub(t0) != tt.want {
				t.Errorf("next attempt in %v, want %v (%v)", h.NextAttempt.Sub(t0), tt.want, err)
			}
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-stop }))
	defer srv.Close()
	defer close(stop)
	fx := newFixture(t, webhookEndpoint("hook", srv.URL))
	fx.d.Timeout = 50 * time.Millisecond
	fx.record("vtv", 1)
	start := time.Now()
	fx.flush()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Flush took %v", took)
	}
	h, _, _ := fx.store.Due("hook", t0)
	if h.Attempts != 1 || !strings.Contains(h.LastError, "context deadline exceeded") {
		t.Errorf("head %+v", h)
	}
}

// TestShutdownMidSend: a send cut short by the end of Run is not an attempt: the delivery
// stays as it was, to be sent again (same id) by the next run.
func TestShutdownMidSend(t *testing.T) {
	started := make(chan struct{}, 1)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-stop
	}))
	defer srv.Close()
	defer close(stop)
	fx := newFixture(t, webhookEndpoint("hook", srv.URL))
	fx.record("vtv", 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- fx.d.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h, due, _ := fx.store.Due("hook", t0)
	if !due || h.Attempts != 0 || h.LastError != "" {
		t.Errorf("head after shutdown %+v due %v", h, due)
	}
}

// TestNoSecretInLogs runs failures of every kind through endpoints whose URLs, secrets and
// headers hold secrets, and greps the captured log.
func TestNoSecretInLogs(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "gone"):
			w.WriteHeader(http.StatusGone)
		case k%3 == 0:
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, "bad request")
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	host := strings.TrimPrefix(closed.URL, "http://")
	secrets := []string{"Q1SECRETQUERY", "P1SECRETPATH", "H1SECRETHEADER", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"N1SECRETTOPIC", "N1SECRETPASS", "G1SECRETPATH", "G1SECRETQUERY", "raw-secret-of-enough-bytes"}
	fx := newFixture(t,
		config.Endpoint{Name: "hook", URL: srv.URL + "/P1SECRETPATH/in?token=Q1SECRETQUERY", Secret: testSecret,
			Headers: map[string]string{"Authorization": "Bearer H1SECRETHEADER"}},
		config.Endpoint{Name: "gone", URL: srv.URL + "/gone/P1SECRETPATH", Secret: "raw-secret-of-enough-bytes"},
		config.Endpoint{Name: "down", URL: closed.URL + "/P1SECRETPATH?token=Q1SECRETQUERY", Secret: testSecret},
		config.Endpoint{Name: "ntfy", URL: "ntfy://alice:N1SECRETPASS@" + host + "/N1SECRETTOPIC?disabletls=yes"},
		config.Endpoint{Name: "generic", URL: "generic+" + closed.URL + "/G1SECRETPATH?token=G1SECRETQUERY"},
	)
	fx.d.Backoff.MaxAttempts = 3
	fx.record("vtv", 2)
	for range 5 {
		fx.flush()
		fx.clock.Add(time.Hour)
	}
	var answers []string
	for _, name := range []string{"hook", "gone", "down", "ntfy", "generic"} {
		a := Probe(context.Background(), name, fx.d.Senders[name], SampleEvent(t0), time.Second)
		answers = append(answers, a.Target, a.Body, errString(a.Err))
	}
	logs := fx.logs.String()
	if !strings.Contains(logs, "level") || strings.Count(logs, "\n") < 10 {
		t.Fatalf("too little logged to prove anything:\n%s", logs)
	}
	var stored []string
	for _, d := range fx.deliveries("") {
		stored = append(stored, d.LastError)
	}
	everything := logs + strings.Join(answers, "\n") + strings.Join(stored, "\n")
	if testing.Verbose() {
		t.Log(everything)
	}
	for _, s := range secrets {
		if strings.Contains(everything, s) {
			for _, line := range strings.Split(everything, "\n") {
				if strings.Contains(line, s) {
					t.Errorf("secret %s in: %s", s, line)
				}
			}
		}
	}
	for _, want := range []string{"HTTP 500", "HTTP 400", "endpoint gone", "connection refused", "ntfy:", "generic:"} {
		if !strings.Contains(everything, want) {
			t.Errorf("no %q in the log: what failed must still be said", want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestProbe(t *testing.T) {
	rcv := newReceiver(t, func(n int, _ string) int { return []int{200, 410, 500}[n%3] })
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL+"/x?token=abcdefgh"))
	for _, want := range []struct {
		status int
		err    string
	}{{200, ""}, {410, "endpoint gone"}, {500, "HTTP 500"}} {
		a := Probe(context.Background(), "hook", fx.d.Senders["hook"], SampleEvent(time.Now()), time.Second)
		if a.Status != want.status || errString(a.Err) == "" != (want.err == "") || !strings.Contains(errString(a.Err), want.err) ||
			a.Kind != "webhook" || a.Target != rcv.srv.URL+"/…" {
			t.Errorf("Probe = %+v, want HTTP %d %q", a, want.status, want.err)
		}
		if errors.Is(a.Err, ErrGone) != (want.status == 410) {
			t.Errorf("errors.Is(ErrGone) wrong for %d", want.status)
		}
	}
	if _, _, bad := rcv.got(); bad != 0 {
		t.Errorf("%d bad signatures", bad)
	}
	if _, err := Pick(fx.d.Senders, "nope"); err == nil || !strings.Contains(err.Error(), "configured: hook") {
		t.Errorf("Pick(nope) = %v", err)
	}
}

func TestFromConfigWithoutEndpoints(t *testing.T) {
	r, d, err := FromConfig(config.Default(), nil, nil)
	if err != nil || r != nil || d == nil || len(d.Senders) != 0 {
		t.Errorf("FromConfig = %v, %+v, %v", r, d, err)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Initial: 10 * time.Second, Max: 24 * time.Hour, MaxAttempts: 18}
	tests := []struct {
		attempts int
		jitter   float64
		want     time.Duration
	}{
		{1, 0, 5 * time.Second},
		{1, 0.999999999, 10 * time.Second},
		{2, 0, 10 * time.Second},
		{14, 0, 40960 * time.Second},
		{15, 0, 12 * time.Hour},
		{15, 0.999999999, 24 * time.Hour},
		{500, 0.5, 18 * time.Hour},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.attempts, tt.jitter).Round(time.Second); got != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempts, tt.jitter, got, tt.want)
		}
	}
	// What the README says of the default policy: 2.4 to 4.9 days before a delivery
	// goes dead, 3.7 on average.
	var lo, hi, mid time.Duration
	for n := 1; n < DefaultBackoff.MaxAttempts; n++ {
		lo += DefaultBackoff.Delay(n, 0)
		hi += DefaultBackoff.Delay(n, 0.999999999)
		mid += DefaultBackoff.Delay(n, 0.5)
	}
	day := 24 * time.Hour
	if lo < 2*day+9*time.Hour || hi > 5*day || mid < 3*day+16*time.Hour || mid > 3*day+18*time.Hour {
		t.Errorf("default policy gives up after %v to %v (%v on average)", lo, hi, mid)
	}
}

// leaseTable is the named leases of a database several processes share, in memory; each
// process sees it through a leaseHolder of its own.
type leaseTable struct {
	mu     sync.Mutex
	holder map[string]string
	until  map[string]time.Time
}

type leaseHolder struct {
	t  *leaseTable
	me string
}

func (l leaseHolder) Lease(_ context.Context, name string, ttl time.Duration) (bool, error) {
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	if h := l.t.holder[name]; h != l.me && time.Now().Before(l.t.until[name]) {
		return false, nil
	}
	l.t.holder[name], l.t.until[name] = l.me, time.Now().Add(ttl)
	return true, nil
}

func (l leaseHolder) Release(_ context.Context, name string) error {
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	if l.t.holder[name] == l.me {
		delete(l.t.until, name)
	}
	return nil
}

// TestLeasedDispatchers: two daemons' dispatchers on one outbox, each endpoint under a
// lease, deliver every event once, in order, one request at a time.
func TestLeasedDispatchers(t *testing.T) {
	var inflight, most int
	var mu sync.Mutex
	rcv := newReceiver(t, func(int, string) int { return http.StatusNoContent })
	counted := rcv.srv.Config.Handler
	rcv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inflight++
		most = max(most, inflight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		counted.ServeHTTP(w, r)
		mu.Lock()
		inflight--
		mu.Unlock()
	})
	fx := newFixture(t, webhookEndpoint("hook", rcv.srv.URL+"/in"))
	ids := fx.record("vtv", 20)
	table := &leaseTable{holder: map[string]string{}, until: map[string]time.Time{}}
	_, other, err := FromConfig(func() config.Config {
		c := config.Default()
		c.Notify.Endpoints = []config.Endpoint{webhookEndpoint("hook", rcv.srv.URL+"/in")}
		return c
	}(), fx.store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	other.Now, other.Poll = fx.clock.Now, 10*time.Millisecond
	fx.d.Poll = 10 * time.Millisecond
	fx.d.Leases, other.Leases = leaseHolder{table, "a"}, leaseHolder{table, "b"}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range []*Dispatcher{fx.d, other} {
		wg.Go(func() { d.Run(ctx) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, taken, _ := rcv.got(); len(taken) < len(ids) && time.Now().Before(deadline); _, taken, _ = rcv.got() {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a duplicate would come now
	cancel()
	wg.Wait()
	seen, _, _ := rcv.got()
	if strings.Join(seen, " ") != strings.Join(ids, " ") || most != 1 {
		t.Fatalf("received %v, %d at once; want %v once each, in order, one at a time", seen, most, ids)
	}
}
