package notify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestMetrics delivers to three endpoints (one accepts, one fails with 500, one is gone)
// through the dispatcher with Metrics as its observer, and reads what a scrape of /metrics
// on a real registry says.
func TestMetrics(t *testing.T) {
	ok := newReceiver(t, func(int, string) int { return http.StatusOK })
	failing := newReceiver(t, func(int, string) int { return http.StatusInternalServerError })
	gone := newReceiver(t, func(int, string) int { return http.StatusGone })
	fx := newFixture(t, webhookEndpoint("ok", ok.srv.URL), webhookEndpoint("failing", failing.srv.URL),
		webhookEndpoint("gone", gone.srv.URL), webhookEndpoint("idle", ok.srv.URL+"/idle"))
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, fx.store, []string{"failing", "gone", "idle", "ok"}, nil)
	m.now = fx.clock.Now
	fx.d.Observer = m
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	scrape := func() map[string]float64 {
		t.Helper()
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("scrape: HTTP %d\n%s", resp.StatusCode, b)
		}
		out := map[string]float64{}
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "hanoiwatch_") {
				continue
			}
			i := strings.LastIndexByte(l, ' ')
			v, err := strconv.ParseFloat(l[i+1:], 64)
			if err != nil {
				t.Fatalf("scrape: %q: %v", l, err)
			}
			out[l[:i]] = v
		}
		return out
	}

	// Before any event: every configured endpoint has its series, at zero.
	got := scrape()
	for _, k := range []string{`hanoiwatch_delivery_attempts_total{endpoint="idle",outcome="delivered"}`,
		`hanoiwatch_deliveries_pending{endpoint="ok"}`, `hanoiwatch_deliveries_dead{endpoint="gone"}`,
		`hanoiwatch_delivery_oldest_pending_age_seconds{endpoint="failing"}`} {
		if v, ok := got[k]; !ok || v != 0 {
			t.Errorf("before any event: %s = %v (present %v), want 0", k, v, ok)
		}
	}

	fx.record("vtv", 2)                // 2 events for each of the 4 endpoints, at t0
	fx.clock.Add(90 * time.Second)     // the flush happens a minute and a half later
	fx.d.Backoff.Initial = time.Minute // the failing endpoint's retry is not due at the second flush
	fx.flush()
	got = scrape()
	want := map[string]float64{
		`hanoiwatch_delivery_attempts_total{endpoint="ok",outcome="delivered"}`:   2,
		`hanoiwatch_delivery_attempts_total{endpoint="idle",outcome="delivered"}`: 2,
		`hanoiwatch_delivery_attempts_total{endpoint="failing",outcome="retry"}`:  1, // the head only: queues keep order
		`hanoiwatch_delivery_attempts_total{endpoint="gone",outcome="gone"}`:      1,
		`hanoiwatch_delivery_attempts_total{endpoint="gone",outcome="delivered"}`: 0,
		`hanoiwatch_deliveries_pending{endpoint="failing"}`:                       2,
		`hanoiwatch_deliveries_pending{endpoint="ok"}`:                            0,
		`hanoiwatch_deliveries_pending{endpoint="gone"}`:                          0,
		`hanoiwatch_deliveries_dead{endpoint="gone"}`:                             2,
		`hanoiwatch_deliveries_dead{endpoint="failing"}`:                          0,
		`hanoiwatch_delivery_oldest_pending_age_seconds{endpoint="failing"}`:      90,
		`hanoiwatch_delivery_oldest_pending_age_seconds{endpoint="ok"}`:           0,
		`hanoiwatch_delivery_latency_seconds_count`:                               4, // ok's and idle's
		`hanoiwatch_delivery_latency_seconds_sum`:                                 4 * 90,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	// An hour later, the failing endpoint's head has waited an hour more.
	fx.clock.Add(time.Hour)
	if v := scrape()[`hanoiwatch_delivery_oldest_pending_age_seconds{endpoint="failing"}`]; v != 3690 {
		t.Errorf("oldest pending age an hour later = %v, want 3690", v)
	}
	// Every line of the scrape is one the metrics declare: no series of another name.
	re := regexp.MustCompile(`^hanoiwatch_(delivery_attempts_total|deliveries_pending|deliveries_dead|delivery_oldest_pending_age_seconds|delivery_latency_seconds_(bucket|sum|count))\b`)
	for k := range scrape() {
		if !re.MatchString(k) {
			t.Errorf("unexpected series %s", k)
		}
	}
}
