#!/usr/bin/env bash
# Several daemons on one PostgreSQL database (not run by CI): N sources (default 10 000) on
# the benchmark's fixture server (../shared/bench/fixture_server.py, 127.0.0.1), checked by
# one, then two, then three `hanoiwatch run` processes on a fresh database each time, for
# SECONDS each. Reports, per run, the cluster's checks per second (all daemons together),
# the CPU per check of the daemons and of the PostgreSQL server, and each daemon's RSS
# (median and peak, read every half second). After the three-daemon run, one daemon is
# killed with SIGKILL and the script times how long until every source it had claimed is
# claimed by another daemon (the failover; bound: a period plus a lease).
#
#   .ci/cluster.sh [N] [SECONDS] [SCHEDULE]      e.g. .ci/cluster.sh 10000 120 "@every 1m"
#
# The server is $HANOIWATCH_TEST_POSTGRES's, or a throwaway one (.ci/pg.sh). Everything
# stays on this machine.
set -euo pipefail
N=${1:-10000}
SECS=${2:-120}
SCHED=${3:-"@every 1m"}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
work=$(mktemp -d)
srv= pids=()
cleanup() {
  kill $srv "${pids[@]}" 2>/dev/null || true
  [ -f "$work/pg/data" ] && "$here/.ci/pg.sh" stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$here" && go build -o "$work/hanoiwatch" ./cmd/hanoiwatch)
admin=${HANOIWATCH_TEST_POSTGRES:-}
[ -n "$admin" ] || admin=$("$here/.ci/pg.sh" start "$work/pg")
python3 "$shared/bench/fixture_server.py" --n "$N" --etag --port-file "$work/port" >"$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.2; done
base="http://127.0.0.1:$(cat "$work/port")"
hz=$(getconf CLK_TCK)
server_ticks() { # clock ticks of the server: its postmaster (with the backends it reaped) and its backends
  local t=0 f line
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    case "$line" in *"(postgres)"*) ;; *) continue ;; esac
    set -- ${line#*) }
    [ "${f#/proc/}" = "$pm/stat" ] || [ "$2" = "$pm" ] || continue
    t=$((t + ${12} + ${13} + ${14} + ${15}))
  done
  echo $t
}
# The postmaster: the parent of the server's checkpointer (other servers' processes,
# named postgres too, do not count).
pm=$(awk '{print $4}' "/proc/$(psql -qtA "$admin" -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")/stat")
metric() { curl -sf "http://$1/metrics" | awk -v m="$2" '$1 ~ "^"m {s += $2} END {print s+0}'; }
sum() { local s=0 a; for a in "$@"; do s=$(echo "$s + $(metric "$a" "$metric_name")" | bc); done; echo "$s"; }
period_s=$(echo "$SCHED" | sed -n 's/^@every \([0-9]*\)s$/\1/p; s/^@every \([0-9]*\)m$/\1*60/p' | bc)

for D in 1 2 3; do
  db="hw_cluster_$$_$D"
  psql -q "$admin" -c "CREATE DATABASE $db" >/dev/null
  dsn=$(printf %s "$admin" | sed "s#/postgres?#/$db?#")
  addrs=() pids=()
  for k in $(seq 1 "$D"); do
    listen="127.0.0.1:$((20000 + RANDOM % 20000))"
    {
      # The fixture is a loopback host: it takes 8 requests at a time (fetch's
      # LoopbackParallelism) from all the daemons together, as from one daemon alone.
      printf 'defaults:\n  schedule: "%s"\n  user_agent: hw-d%d\n  robots: false\n' "$SCHED" "$k"
      printf 'http:\n  listen: "%s"\ndiscovery:\n  enabled: false\nsources:\n' "$listen"
      for i in $(seq 1 "$N"); do printf '  - name: a%05d\n    url: %s/article/%d.html\n' "$i" "$base" "$i"; done
    } >"$work/cfg-$k.yaml"
    "$work/hanoiwatch" run --config "$work/cfg-$k.yaml" --db "$dsn" 2>"$work/daemon-$D-$k.log" &
    pids+=($!) addrs+=("$listen")
    : >"$work/rss-$D-$k"
  done
  for a in "${addrs[@]}"; do
    for _ in $(seq 300); do curl -sf "http://$a/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  done
  start=$(date +%s) c1= t1= s1=
  metric_name=hanoiwatch_checks_total; c0=$(sum "${addrs[@]}")
  metric_name=process_cpu_seconds_total; t0=$(sum "${addrs[@]}")
  s0=$(server_ticks)
  while [ $(( $(date +%s) - start )) -lt "$SECS" ]; do
    sleep 0.5
    h=0; [ -n "$c1" ] && h=1
    for k in $(seq 1 "$D"); do
      awk -v h=$h '/VmRSS/ {r=$2} END {print h, r}' "/proc/${pids[$((k - 1))]}/status" >>"$work/rss-$D-$k"
    done
    # The second half runs after the first round of full extractions: the steady state.
    if [ -z "$c1" ] && [ $(( $(date +%s) - start )) -ge $(( SECS / 2 )) ]; then
      metric_name=hanoiwatch_checks_total; c1=$(sum "${addrs[@]}")
      metric_name=process_cpu_seconds_total; t1=$(sum "${addrs[@]}")
      s1=$(server_ticks)
    fi
  done
  metric_name=hanoiwatch_checks_total; c2=$(sum "${addrs[@]}")
  metric_name=process_cpu_seconds_total; t2=$(sum "${addrs[@]}")
  s2=$(server_ticks)
  half=$(echo "$c2 - $c1" | bc)
  echo "daemons=$D sources=$N seconds=$SECS schedule='$SCHED'"
  echo "  whole run:   checks=$(echo "$c2 - $c0" | bc)  checks/s=$(echo "scale=1; ($c2 - $c0) / $SECS" | bc)"
  echo "  second half: checks=$half  checks/s=$(echo "scale=1; 2 * $half / $SECS" | bc)" \
    " ms_cpu/check: daemons=$(echo "scale=3; 1000 * ($t2 - $t1) / ($half + 0.0001)" | bc)" \
    " server=$(echo "scale=3; 1000 * ($s2 - $s1) / $hz / ($half + 0.0001)" | bc)"
  for k in $(seq 1 "$D"); do
    sort -k2 -n "$work/rss-$D-$k" | awk -v k="$k" '{v[NR] = $2} END {printf "  hw-d%d rss_mib: median %d  peak %d\n", k, v[int((NR + 1) / 2)] / 1024, v[NR] / 1024}'
    printf '  hw-d%d errors logged: %s\n' "$k" "$(grep -c 'level=ERROR' "$work/daemon-$D-$k.log" || true)"
  done
  if [ "$D" = 3 ]; then
    # Failover: kill hw-d1 and time until no claim is its own any more. Its claims end a
    # lease after they were taken; the next turn of each source after that is another's.
    victim=${pids[0]}
    kill -KILL "$victim"
    t_kill=$(date +%s.%N)
    held=$(psql -qtA "$dsn" -c "SELECT count(*) FROM cluster_claims WHERE holder LIKE '%:$victim:%' AND name LIKE 'source:%'")
    left=$held
    while [ "$left" -gt 0 ]; do
      sleep 0.2
      left=$(psql -qtA "$dsn" -c "SELECT count(*) FROM cluster_claims WHERE holder LIKE '%:$victim:%' AND name LIKE 'source:%'")
      if [ "$(echo "$(date +%s.%N) - $t_kill > 10 * ${period_s:-60}" | bc)" = 1 ]; then echo "  failover: $left claims still the dead daemon's"; break; fi
    done
    margin=$(( period_s / 4 < 30 ? period_s / 4 : 30 ))
    lease=$(( period_s - margin ))
    printf '  failover after kill -9 of hw-d1: %s sources it held, all claimed by the others after %.1f s (bound: period %s s + lease %s s)\n' \
      "$held" "$(echo "$(date +%s.%N) - $t_kill" | bc)" "$period_s" "$lease"
  fi
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  psql -q "$admin" -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
done
