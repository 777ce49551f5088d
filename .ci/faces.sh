#!/usr/bin/env bash
# The faces at scale: builds a database of ordinary size for a newsroom (N sources, one
# per page of the benchmark's fixture server on 127.0.0.1, checked ROUNDS times with a
# fraction of the pages really edited each time), serves it with `hanoiwatch serve`, and
# times each dashboard page and API answer (median of 3 requests) with its size and the
# server's peak RSS. Everything stays on this machine.
#
#   .ci/faces.sh [N] [ROUNDS] [FRACTION]       default 2000 15 0.3
#   KEEP=DIR .ci/faces.sh ...                   keep the database in DIR (and reuse it)
set -euo pipefail
N=${1:-2000}
ROUNDS=${2:-15}
FRACTION=${3:-0.3}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
srv= hw=
cleanup() { kill $srv $hw 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
(cd "$here" && go build -o "$work/hanoiwatch" ./cmd/hanoiwatch)
if [ ! -s "$work/hw.db" ]; then
  python3 "$shared/bench/fixture_server.py" --n "$N" --port-file "$work/port" >"$work/server.log" 2>&1 &
  srv=$!
  for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.2; done
  base="http://127.0.0.1:$(cat "$work/port")"
  {
    printf 'discovery:\n  enabled: false\nsources:\n'
    for i in $(seq 1 "$N"); do printf '  - name: a%d\n    url: %s/article/%d.html\n' "$i" "$base" "$i"; done
  } >"$work/cfg.yaml"
  "$work/hanoiwatch" check --config "$work/cfg.yaml" --db "$work/hw.db" >/dev/null 2>&1
  for g in $(seq 2 $((ROUNDS + 1))); do
    curl -sf -X POST "$base/admin/generation?g=$g&changed_fraction=$FRACTION" >/dev/null
    "$work/hanoiwatch" check --config "$work/cfg.yaml" --db "$work/hw.db" >/dev/null 2>&1
  done
  kill $srv; wait $srv 2>/dev/null || true; srv=
fi
echo "database: $(du -m "$work/hw.db" | cut -f1) MB, $N sources, $ROUNDS rounds of $FRACTION changed"
listen="127.0.0.1:$((20000 + RANDOM % 20000))"
"$work/hanoiwatch" serve --config "$work/cfg.yaml" --db "$work/hw.db" --listen "$listen" 2>"$work/serve.log" &
hw=$!
for _ in $(seq 100); do curl -sf "http://$listen/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
peak=0
printf '| page | median s | size |\n|---|---:|---:|\n'
for p in / /sources/a7 /figures /events /coverage /feed.atom /api/events /api/figures /api/sources /api/sources/a7/timeline; do
  ts=()
  for _ in 1 2 3; do
    ts+=("$(curl -s -o "$work/body" -w '%{time_total}' "http://$listen$p")")
    r=$(awk '/VmHWM/ {print $2}' "/proc/$hw/status"); [ "$r" -gt "$peak" ] && peak=$r
  done
  med=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p)
  printf '| `%s` | %s | %s |\n' "$p" "$med" "$(numfmt --to=iec --suffix=B "$(stat -c %s "$work/body")")"
done
echo "serve peak RSS: $((peak / 1024)) MiB"
