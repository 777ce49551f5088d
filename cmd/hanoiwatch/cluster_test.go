package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher/fetch"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

// The cluster test's setting: sources on a two-second schedule over three loopback hosts.
const (
	clusterSources = 300
	clusterHosts   = 3
	clusterPeriod  = 2 * time.Second
)

// fetchRecord is one request the cluster's fixture served.
type fetchRecord struct {
	host, source, daemon string
	start, end           time.Time
}

// clusterSite serves numbered articles on several loopback hosts (127.0.0.1, .2, .3),
// logs every request with its source, the daemon that sent it (its User-Agent), its
// start and end, and counts the requests in flight per host.
type clusterSite struct {
	mu       sync.Mutex
	version  []int
	log      []fetchRecord
	inflight map[string]int
	peak     map[string]int
	bases    []string
}

func newClusterSite(t *testing.T) *clusterSite {
	s := &clusterSite{version: make([]int, clusterSources), inflight: map[string]int{}, peak: map[string]int{}}
	for h := range clusterHosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", h+1))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(s)
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		t.Cleanup(srv.Close)
		s.bases = append(s.bases, srv.URL)
	}
	return s
}

func clusterName(i int) string { return fmt.Sprintf("a%03d", i) }

// url is source i's address: the sources take the hosts in turn.
func (s *clusterSite) url(i int) string {
	return fmt.Sprintf("%s/a/%d", s.bases[i%clusterHosts], i)
}

func (s *clusterSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/a/"))
	if err != nil || i < 0 || i >= clusterSources {
		http.NotFound(w, r)
		return
	}
	rec := fetchRecord{host: r.Host, source: clusterName(i), daemon: r.UserAgent(), start: time.Now()}
	s.mu.Lock()
	s.inflight[r.Host]++
	s.peak[r.Host] = max(s.peak[r.Host], s.inflight[r.Host])
	v := s.version[i]
	s.mu.Unlock()
	time.Sleep(10 * time.Millisecond) // a server's answer takes time: requests overlap
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Hanoi Convention, report %[1]d</title></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<article><h1>Hanoi Convention, report %[1]d</h1>
<p>Delegations from %[2]d countries signed the United Nations Convention against Cybercrime in Hanoi, the report numbered %[1]d says.</p>
<p>The convention opens for signature after years of negotiation in Vienna and New York, and enters into force ninety days after the fortieth ratification.</p>
<p>Human rights groups and technology companies criticised the text for its broad scope and the weak safeguards it leaves to national law.</p>
<p>Supporters answer that it gives developing states the tools for cooperation on evidence that they have long lacked, with a fund for technical help.</p>
</article><footer>Copyright the cluster fixture</footer></body></html>`, i, 65+v)
	rec.end = time.Now()
	s.mu.Lock()
	s.inflight[r.Host]--
	s.log = append(s.log, rec)
	s.mu.Unlock()
}

// change edits n random pages: their count of countries goes up by one.
func (s *clusterSite) change(rnd *rand.Rand, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.version[rnd.IntN(clusterSources)]++
	}
}

func (s *clusterSite) records() []fetchRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// hookReceipt is one request the webhook receiver got.
type hookReceipt struct {
	id   string
	time time.Time
}

// hookLog records every webhook request in the order they came.
type hookLog struct {
	mu  sync.Mutex
	got []hookReceipt
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.got = append(h.got, hookReceipt{r.Header.Get("webhook-id"), time.Now()})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookLog) receipts() []hookReceipt {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// clusterDaemon is one `hanoiwatch run` of the cluster.
type clusterDaemon struct {
	name   string
	cmd    *exec.Cmd
	log    syncBuffer
	exited chan error
}

// TestCluster runs three daemons as separate processes on one PostgreSQL database, with
// 300 sources on a two-second schedule over three loopback hosts whose pages change now
// and then, and a webhook receiver; it kills the daemon that delivers the webhooks with
// SIGKILL midway. Then: no source was fetched twice within one lease, the killed daemon's
// sources were checked again within one period and one lease of the kill, the receiver
// got every event once (a redelivery, with its id, of the one in flight at the kill
// aside) in the order of the events, and no host ever had more than its limit of requests in
// flight from all the daemons together.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three daemons on PostgreSQL for about a minute")
	}
	dsn := pgtest.DSN(t)
	bin := binary(t)
	site := newClusterSite(t)
	hook := &hookLog{}
	hsrv := httptest.NewServer(hook)
	defer hsrv.Close()
	dir := t.TempDir()
	var srcs strings.Builder
	for i := range clusterSources {
		fmt.Fprintf(&srcs, "  - name: %s\n    url: %s\n", clusterName(i), site.url(i))
	}
	daemons := make([]*clusterDaemon, 3)
	for k := range daemons {
		d := &clusterDaemon{name: fmt.Sprintf("hw-d%d", k+1), exited: make(chan error, 1)}
		cfg := filepath.Join(dir, d.name+".yaml")
		body := fmt.Sprintf(`defaults:
  schedule: "@every %s"
  user_agent: %s
  timeout: 1s
  per_host: 2
  delay: 5ms
  robots: false
http:
  listen: %q
log:
  level: info
discovery:
  enabled: false
notify:
  retry: {initial_delay: 100ms, max_delay: 500ms, max_attempts: 1000}
  endpoints:
    - name: rx
      url: %s/hook
      secret: cluster-test-secret-0123456789
sources:
%s`, clusterPeriod, d.name, freePort(t), hsrv.URL, srcs.String())
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		d.cmd = exec.Command(bin, "run", "--config", cfg, "--db", dsn)
		d.cmd.Stderr = &d.log
		if err := d.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { d.exited <- d.cmd.Wait() }()
		daemons[k] = d
	}
	defer func() {
		for _, d := range daemons {
			if d.cmd.ProcessState == nil {
				d.cmd.Process.Kill()
				<-d.exited
			}
			if t.Failed() {
				t.Logf("%s's log (tail):\n%s", d.name, tail(d.log.String(), 3000))
			}
		}
	}()

	// The first round: every source fetched once.
	eventually(t, "every source fetched", 30*time.Second, func() bool {
		seen := map[string]bool{}
		for _, r := range site.records() {
			seen[r.source] = true
		}
		return len(seen) == clusterSources
	})
	// Pages change every half second from now on until the drain.
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	stopChanges := make(chan struct{})
	changed := make(chan struct{})
	go func() {
		defer close(changed)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopChanges:
				return
			case <-tick.C:
				site.change(rnd, 2)
			}
		}
	}()
	time.Sleep(8 * time.Second)

	// Kill the daemon that delivers the webhooks: its endpoint's lease holder.
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var holder string
	if err := conn.QueryRow(context.Background(), `SELECT holder FROM cluster_leases WHERE name = 'outbox:rx' AND until > now()`).Scan(&holder); err != nil {
		t.Fatalf("the outbox's lease: %v", err)
	}
	victim := -1
	for k, d := range daemons {
		if strings.Contains(holder, fmt.Sprintf(":%d:", d.cmd.Process.Pid)) {
			victim = k
		}
	}
	if victim < 0 {
		t.Fatalf("the outbox's lease holder %s is none of the daemons", holder)
	}
	killed := daemons[victim]
	killed.cmd.Process.Signal(syscall.SIGKILL)
	<-killed.exited
	kill := time.Now()
	t.Logf("killed %s (pid %d), the outbox's holder", killed.name, killed.cmd.Process.Pid)
	time.Sleep(10 * time.Second)
	close(stopChanges)
	<-changed

	// Every event delivered: the outbox drains (the survivors take the endpoint over).
	db, err := postgres.Open(context.Background(), dsn, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eventually(t, "the outbox drained", 30*time.Second, func() bool {
		left, err := db.Deliveries("")
		return err == nil && len(left) == 0
	})
	for k, d := range daemons {
		if k == victim {
			continue
		}
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-d.exited:
			if err != nil {
				t.Errorf("%s exited with %v", d.name, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not stop within 30 s of SIGTERM", d.name)
		}
	}

	recs := site.records()
	lease := clusterPeriod - clusterPeriod/4
	// No source fetched twice within one lease, nor twice at once.
	bySource := map[string][]fetchRecord{}
	perDaemon := map[string]int{}
	for _, r := range recs {
		bySource[r.source] = append(bySource[r.source], r)
		perDaemon[r.daemon]++
	}
	close := 0
	for name, rs := range bySource {
		slices.SortFunc(rs, func(a, b fetchRecord) int { return a.start.Compare(b.start) })
		for i := 1; i < len(rs); i++ {
			gap := rs[i].start.Sub(rs[i-1].start)
			// A turn's fetch starts within its claim, at most a lease after the turn, and
			// the next turn comes a period after: two turns' fetches are at least
			// period - lease apart, however late the first one started (645 ms apart once,
			// on a loaded machine, which half a lease flagged). Two fetches of one turn, by
			// daemons that both got the claim, come together.
			if rs[i].start.Before(rs[i-1].end) || gap < clusterPeriod-lease {
				t.Errorf("%s fetched by %s at %s and by %s at %s: %s apart, within one lease (%s)", name,
					rs[i-1].daemon, rs[i-1].start.Format("15:04:05.000"), rs[i].daemon, rs[i].start.Format("15:04:05.000"), gap, lease)
			}
			if gap < lease {
				close++
			}
		}
	}
	t.Logf("%d requests, by daemon %v; %d pairs of consecutive fetches of a source less than a lease apart", len(recs), perDaemon, close)

	// The killed daemon's sources checked again within one period and one lease.
	last := map[string]fetchRecord{}
	next := map[string]time.Time{}
	for _, r := range recs {
		if r.start.Before(kill) && r.start.After(last[r.source].start) {
			last[r.source] = r
		}
		if r.start.After(kill) && (next[r.source].IsZero() || r.start.Before(next[r.source])) {
			next[r.source] = r.start
		}
	}
	var failover []time.Duration
	for name, r := range last {
		if r.daemon != killed.name {
			continue
		}
		if next[name].IsZero() {
			t.Errorf("%s, last fetched by the killed daemon, never fetched again", name)
			continue
		}
		failover = append(failover, next[name].Sub(kill))
	}
	slices.Sort(failover)
	if len(failover) == 0 {
		t.Fatal("the killed daemon had fetched no source before its death")
	}
	worst := failover[len(failover)-1]
	t.Logf("failover of the killed daemon's %d sources: median %s, worst %s (bound: period %s + lease %s)",
		len(failover), failover[len(failover)/2].Round(time.Millisecond), worst.Round(time.Millisecond), clusterPeriod, lease)
	if worst > clusterPeriod+lease {
		t.Errorf("a source of the killed daemon waited %s for its next check, more than a period and a lease", worst)
	}

	// Every event received once, in order.
	evs, err := db.Events(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := hook.receipts()
	first := map[string]int{} // id → index of its first receipt
	var order []string
	for i, r := range got {
		if j, dup := first[r.id]; dup {
			// At least once: the killed daemon may have sent the event in flight at its
			// death without recording it; the next holder sends it again, first.
			redelivery := got[j].time.Before(kill) && i > 0 && got[i-1].time.Before(kill) && r.time.After(kill)
			if !redelivery {
				t.Errorf("event %s received twice (at %s and %s), not as the redelivery at the kill (%s)",
					r.id, got[j].time.Format("15:04:05.000"), r.time.Format("15:04:05.000"), kill.Format("15:04:05.000"))
			}
			continue
		}
		first[r.id] = i
		order = append(order, r.id)
	}
	want := make([]string, len(evs))
	for i, e := range evs {
		want[i] = e.ID
	}
	if !slices.Equal(order, want) {
		missing := 0
		for _, id := range want {
			if _, ok := first[id]; !ok {
				missing++
			}
		}
		t.Errorf("received %d events (%d of the %d recorded missing), not the events in their order", len(order), missing, len(want))
	}
	t.Logf("%d events recorded, %d webhook requests", len(evs), len(got))

	// Requests in flight to one host, from all the daemons: never over the host's limit,
	// for a loopback host fetch.LoopbackParallelism (per_host is other sites'). Each
	// daemon alone may send that many: without the gate the three sent 24 at once.
	site.mu.Lock()
	defer site.mu.Unlock()
	for host, n := range site.peak {
		if n > fetch.LoopbackParallelism {
			t.Errorf("%s had %d requests in flight at once, a loopback host takes %d", host, n, fetch.LoopbackParallelism)
		}
	}
	t.Logf("peak requests in flight per host: %v", site.peak)
}

// tail is the end of a log.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
