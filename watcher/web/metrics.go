package web

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hanoiwatch/watcher"
)

// Metrics are the daemon's Prometheus metrics, fed by Observe after every check.
type Metrics struct {
	checks   *prometheus.CounterVec
	duration prometheus.Histogram
	bytes    prometheus.Counter
	events   *prometheus.CounterVec
	sources  *prometheus.GaugeVec
	lag      prometheus.Histogram

	mu   sync.Mutex
	srcs map[string]sourceMetrics
}

// sourceMetrics is what the metrics hold per source. The last success time is reported from
// here at scrape time (see Collect) rather than kept in a gauge per source, which costs about
// 400 bytes a source: 4 MB of a daemon watching 10 000.
type sourceMetrics struct {
	state       string
	lastSuccess int64 // Unix seconds; 0 before the first success
}

var lastSuccessDesc = prometheus.NewDesc("hanoiwatch_last_success_timestamp_seconds",
	"Unix time of the last successful check of each source.", []string{"source"}, nil)

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hanoiwatch_checks_total",
			Help: "Checks by result (new, changed, unchanged, not-modified, suspect, gone, failed, blocked, needs-js)."}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hanoiwatch_check_duration_seconds",
			Help: "Time to fetch a page.", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "hanoiwatch_fetched_bytes_total",
			Help: "Body bytes fetched."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hanoiwatch_events_total",
			Help: "Events by type."}, []string{"type"}),
		sources: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hanoiwatch_sources",
			Help: "Watched sources by state (new, ok, suspect, failing, gone)."}, []string{"state"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hanoiwatch_scheduler_lag_seconds",
			Help: "How late scheduled checks started.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
		srcs: map[string]sourceMetrics{},
	}
	reg.MustRegister(m.checks, m.duration, m.bytes, m.events, m.sources, m.lag, m)
	return m
}

// Describe is half of prometheus.Collector, for the per-source metric.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { ch <- lastSuccessDesc }

// Collect is the other half: the last success time of every source that had one.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, sm := range m.srcs {
		if sm.lastSuccess != 0 {
			ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, float64(sm.lastSuccess), name)
		}
	}
}

// Observe counts one recorded check.
func (m *Metrics) Observe(src watcher.Source, rec watcher.Record, lag time.Duration) {
	m.checks.WithLabelValues(rec.Check.Result).Inc()
	m.duration.Observe(rec.Check.Duration.Seconds())
	m.bytes.Add(float64(rec.Check.Bytes))
	for _, e := range rec.Events {
		m.events.WithLabelValues(e.Type).Inc()
	}
	m.lag.Observe(lag.Seconds())
	var success int64
	if rec.Check.Result != watcher.ResultFailed && rec.Check.Result != watcher.ResultBlocked {
		success = rec.Check.Time.Unix()
	}
	m.set(src.Name, rec.State.Status, success)
}

// SetState records a source's state for the sources gauge.
func (m *Metrics) SetState(name string, state watcher.SourceStatus) { m.set(name, state, 0) }

// set records a source's state, and its last success when success is not 0.
func (m *Metrics) set(name string, status watcher.SourceStatus, success int64) {
	state := string(status)
	if status == watcher.StatusNew {
		state = "new"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	sm, ok := m.srcs[name]
	if ok {
		m.sources.WithLabelValues(sm.state).Dec()
	}
	sm.state = state
	if success != 0 {
		sm.lastSuccess = success
	}
	m.srcs[name] = sm
	m.sources.WithLabelValues(state).Inc()
}

// Forget drops a source that is no longer watched.
func (m *Metrics) Forget(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sm, ok := m.srcs[name]; ok {
		m.sources.WithLabelValues(sm.state).Dec()
		delete(m.srcs, name)
	}
}
