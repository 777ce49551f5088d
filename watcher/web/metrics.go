package web

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hanoiwatch/watcher"
)

// Metrics are the daemon's Prometheus metrics, fed by Observe after every check.
type Metrics struct {
	checks      *prometheus.CounterVec
	duration    prometheus.Histogram
	bytes       prometheus.Counter
	events      *prometheus.CounterVec
	sources     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	lag         prometheus.Histogram

	mu     sync.Mutex
	states map[string]string
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hanoiwatch_checks_total",
			Help: "Checks by result (new, changed, unchanged, not-modified, suspect, gone, failed)."}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hanoiwatch_check_duration_seconds",
			Help: "Time to fetch a page.", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "hanoiwatch_fetched_bytes_total",
			Help: "Body bytes fetched."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hanoiwatch_events_total",
			Help: "Events by type."}, []string{"type"}),
		sources: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hanoiwatch_sources",
			Help: "Watched sources by state (new, ok, suspect, failing, gone)."}, []string{"state"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hanoiwatch_last_success_timestamp_seconds",
			Help: "Unix time of the last successful check of each source."}, []string{"source"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hanoiwatch_scheduler_lag_seconds",
			Help: "How late scheduled checks started.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
		states: map[string]string{},
	}
	reg.MustRegister(m.checks, m.duration, m.bytes, m.events, m.sources, m.lastSuccess, m.lag)
	return m
}

// Observe counts one recorded check.
func (m *Metrics) Observe(src watcher.Source, rec watcher.Record, lag time.Duration) {
	m.checks.WithLabelValues(rec.Check.Result).Inc()
	m.duration.Observe(rec.Check.Duration.Seconds())
	m.bytes.Add(float64(rec.Check.Bytes))
	for _, e := range rec.Events {
		m.events.WithLabelValues(e.Type).Inc()
	}
	if rec.Check.Result != watcher.ResultFailed && rec.Check.Result != watcher.ResultBlocked {
		m.lastSuccess.WithLabelValues(src.Name).Set(float64(rec.Check.Time.Unix()))
	}
	m.lag.Observe(lag.Seconds())
	m.SetState(src.Name, rec.State.Status)
}

// SetState records a source's state for the sources gauge.
func (m *Metrics) SetState(name, state string) {
	if state == "" {
		state = "new"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.states[name]; ok {
		m.sources.WithLabelValues(old).Dec()
	}
	m.states[name] = state
	m.sources.WithLabelValues(state).Inc()
}

// Forget drops a source that is no longer watched.
func (m *Metrics) Forget(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.states[name]; ok {
		m.sources.WithLabelValues(old).Dec()
		delete(m.states, name)
	}
	m.lastSuccess.DeleteLabelValues(name)
}
