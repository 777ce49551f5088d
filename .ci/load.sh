#!/usr/bin/env bash
# Load run of the daemon: N sources (default 10 000) on the benchmark's fixture server
# (../shared/bench/fixture_server.py) on 127.0.0.1, all on one tight schedule, for a
# while; reports checks per second, CPU seconds per check and peak RSS from the daemon's
# own /metrics and /proc. Everything stays on this machine.
#
#   .ci/load.sh [N] [SECONDS] [SCHEDULE]      e.g. .ci/load.sh 10000 180 "@every 1m"
set -euo pipefail
N=${1:-10000}
SECS=${2:-180}
SCHED=${3:-"@every 1m"}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
work=$(mktemp -d)
srv= hw=
trap 'kill $srv $hw 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$here" && go build -o "$work/hanoiwatch" ./cmd/hanoiwatch)
python3 "$shared/bench/fixture_server.py" --n "$N" --port-file "$work/port" >"$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.2; done
base="http://127.0.0.1:$(cat "$work/port")"
listen="127.0.0.1:$((20000 + RANDOM % 20000))"
{
  printf 'defaults:\n  schedule: "%s"\nhttp:\n  listen: "%s"\nsources:\n' "$SCHED" "$listen"
  for i in $(seq 1 "$N"); do printf '  - name: a%05d\n    url: %s/article/%d.html\n' "$i" "$base" "$i"; done
} >"$work/cfg.yaml"
"$work/hanoiwatch" run --config "$work/cfg.yaml" --db "$work/hw.db" ${PROFILE:+--cpuprofile "$PROFILE"} 2>"$work/daemon.log" &
hw=$!
metric() { curl -sf "http://$listen/metrics" | awk -v m="$1" '$1 ~ "^"m {s += $2} END {print s+0}'; }
for _ in $(seq 100); do curl -sf "http://$listen/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
c1= t1=
start=$(date +%s)
c0=$(metric hanoiwatch_checks_total); t0=$(metric process_cpu_seconds_total)
# RSS every half second (a transient of tens of milliseconds can still slip between two).
while [ $(( $(date +%s) - start )) -lt "$SECS" ]; do
  sleep 0.5
  h=0; [ -n "$c1" ] && h=1
  awk -v h=$h '/VmRSS/ {r=$2} /RssAnon/ {a=$2} END {print h, r, a}' "/proc/$hw/status" >>"$work/rss"
  # The second half runs after the first round of full extractions: the steady state.
  if [ -z "$c1" ] && [ $(( $(date +%s) - start )) -ge $(( SECS / 2 )) ]; then
    c1=$(metric hanoiwatch_checks_total); t1=$(metric process_cpu_seconds_total)
  fi
done
c2=$(metric hanoiwatch_checks_total); t2=$(metric process_cpu_seconds_total)
kill -TERM $hw; wait $hw || true
checks=$(echo "$c2 - $c0" | bc); cpu=$(echo "$t2 - $t0" | bc)
half=$(echo "$c2 - $c1" | bc); hcpu=$(echo "$t2 - $t1" | bc)
echo "sources=$N seconds=$SECS schedule='$SCHED'"
echo "whole run:   checks=$checks  checks/s=$(echo "scale=1; $checks / $SECS" | bc)  cpu_s=$cpu  ms_cpu/check=$(echo "scale=3; 1000 * $cpu / ($checks + 0.0001)" | bc)"
echo "second half: checks=$half  checks/s=$(echo "scale=1; 2 * $half / $SECS" | bc)  ms_cpu/check=$(echo "scale=3; 1000 * $hcpu / ($half + 0.0001)" | bc)"
# RSS in MiB: median, 99th percentile and peak of the samples, all of them or the second half's.
rss() { awk -v h="$1" -v c="$2" 'h == "" || $1 == h {print $c}' "$work/rss" | sort -n |
  awk '{v[NR] = $1} END {printf "median %d  p99 %d  peak %d", v[int((NR + 1) / 2)] / 1024, v[int(NR * 0.99) + 1] / 1024, v[NR] / 1024}'; }
echo "rss_mib:     $(rss "" 2)   (anonymous: $(rss "" 3); the rest is file-backed: the binary and the database's mmap)"
echo "second half: $(rss 1 2)   (anonymous: $(rss 1 3))"
grep -c 'level=ERROR' "$work/daemon.log" | sed 's/^/daemon errors logged: /'
