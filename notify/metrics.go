package notify

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hanoiwatch/watcher"
)

// QueueStater reports the state of the outbox's queues; *store.Store is one.
type QueueStater interface {
	QueueStats() ([]watcher.QueueStats, error)
}

// Metrics are the delivery metrics of the daemon's /metrics. As the dispatcher's Observer
// it counts attempts by endpoint and outcome and times deliveries; at each scrape it reads
// the outbox for what is owed now: pending and dead deliveries and the age of the oldest
// pending one, per endpoint. Read at scrape time rather than kept in gauges, the outbox's
// figures are right whoever changed it: the dispatcher, `hanoiwatch outbox retry` through
// the daemon's API, or a check recording new deliveries.
type Metrics struct {
	attempts *prometheus.CounterVec
	latency  prometheus.Histogram
	outbox   QueueStater
	eps      []string
	log      *slog.Logger
	now      func() time.Time
}

var (
	pendingDesc = prometheus.NewDesc("hanoiwatch_deliveries_pending",
		"Deliveries waiting in the outbox for their endpoint, by endpoint.", []string{"endpoint"}, nil)
	deadDesc = prometheus.NewDesc("hanoiwatch_deliveries_dead",
		"Deliveries in the dead-letter list (refused, out of attempts, endpoint gone), by endpoint.", []string{"endpoint"}, nil)
	oldestDesc = prometheus.NewDesc("hanoiwatch_delivery_oldest_pending_age_seconds",
		"Age of the oldest pending delivery of each endpoint (the head of its queue); 0 when none is pending.", []string{"endpoint"}, nil)
)

// NewMetrics registers the delivery metrics with reg. endpoints are the configured
// endpoints: their series exist from the start, at zero, so that rates and alerts on them
// work before the first attempt; an endpoint no longer configured still shows while it
// has deliveries in the outbox.
func NewMetrics(reg prometheus.Registerer, outbox QueueStater, endpoints []string, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hanoiwatch_delivery_attempts_total",
			Help: "Delivery attempts by endpoint and outcome (delivered, retry, dead, gone)."}, []string{"endpoint", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hanoiwatch_delivery_latency_seconds",
			Help:    "Time from the check that made an event to its delivery, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.1, 4, 10)}), // 0.1 s to 7 hours
		outbox: outbox,
		eps:    endpoints,
		log:    log,
		now:    time.Now,
	}
	for _, ep := range endpoints {
		for _, o := range Outcomes {
			m.attempts.WithLabelValues(ep, string(o))
		}
	}
	reg.MustRegister(m.attempts, m.latency, m)
	return m
}

// Observe counts one attempt.
func (m *Metrics) Observe(a Attempt) {
	m.attempts.WithLabelValues(a.Endpoint, string(a.Result)).Inc()
	if a.Result == Delivered {
		m.latency.Observe(a.Latency.Seconds())
	}
}

// Describe is half of prometheus.Collector, for the outbox's gauges.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- deadDesc
	ch <- oldestDesc
}

// Collect is the other half: it reads the outbox. When the store cannot be read the
// gauges are left out of this scrape, and the error logged, rather than failing the
// whole scrape.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	qs, err := m.outbox.QueueStats()
	if err != nil {
		m.log.Error("metrics: outbox", "err", err)
		return
	}
	seen := map[string]bool{}
	now := m.now()
	for _, q := range qs {
		seen[q.Endpoint] = true
		age := 0.0
		if !q.Head.IsZero() {
			age = max(now.Sub(q.Head).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(q.Pending), q.Endpoint)
		ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(q.Dead), q.Endpoint)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age, q.Endpoint)
	}
	for _, ep := range m.eps {
		if !seen[ep] {
			for _, d := range []*prometheus.Desc{pendingDesc, deadDesc, oldestDesc} {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, 0, ep)
			}
		}
	}
}
