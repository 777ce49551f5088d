#!/usr/bin/env bash
# The side-by-side benchmark's hanoiwatch rounds (../shared/bench/peer.sh, TOOLS=candidate,
# VARIANTS=full) on the bbolt file and on PostgreSQL, one pair of runs after the other:
#
#   .ci/peer-pg.sh [N] [PAIRS]        default 1000 pages, 3 pairs
#
# On PostgreSQL the command's --db file is replaced by a database of its own on a throwaway
# server (.ci/pg.sh; or $HANOIWATCH_TEST_POSTGRES's server), and the server's CPU during
# each command (all its processes, from /proc) is logged beside the command's own: a
# check on PostgreSQL costs both. A backend that has exited counts in its parent's children's
# times (cutime, cstime), which are summed too. Prints, per round, the median CPU seconds of each.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
pairs="${2:-3}"
work="$(mktemp -d /tmp/hw-peer-pg.XXXXXX)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/hanoiwatch" ./cmd/hanoiwatch
admin="${HANOIWATCH_TEST_POSTGRES:-}"
if [ -z "$admin" ]; then
  trap '.ci/pg.sh stop "$work/pg"; rm -rf "$work"' EXIT
  admin="$(.ci/pg.sh start "$work/pg")"
fi
# The wrapper: the bench calls it as the hanoiwatch binary.
cat >"$work/hanoiwatch-pg" <<WRAP
#!/usr/bin/env bash
set -euo pipefail
args=()
while [ \$# -gt 0 ]; do
  if [ "\$1" = --db ]; then
    name="hwbench_\$(printf %s "\$2" | sha1sum | cut -c1-12)"
    psql -q "$admin" -c "CREATE DATABASE \$name" >/dev/null 2>&1 || true
    args+=(--db "\$(printf %s "$admin" | sed "s#/postgres?#/\$name?#")")
    shift 2
  else
    args+=("\$1"); shift
  fi
done
server_cpu() { # clock ticks of every postgres process
  local t=0 f
  for f in /proc/[0-9]*/stat; do
    read -r line <"\$f" 2>/dev/null || continue
    case "\$line" in *"(postgres)"*) set -- \${line#*) }; t=\$((t + \${12} + \${13} + \${14} + \${15}));; esac
  done
  echo \$t
}
before=\$(server_cpu)
set +e
"$work/hanoiwatch" "\${args[@]}"
rc=\$?
set -e
echo "\$(( \$(server_cpu) - before ))" >>"$work/server-ticks"
exit \$rc
WRAP
chmod +x "$work/hanoiwatch-pg"
hz="$(getconf CLK_TCK)"
for i in $(seq 1 "$pairs"); do
  for driver in bbolt pg; do
    bin="$work/hanoiwatch"; [ "$driver" = pg ] && bin="$work/hanoiwatch-pg"
    : >"$work/server-ticks"
    OUTDIR="$work/out-$driver-$i" TOOLS=candidate VARIANTS=full REPS=1 HANOIWATCH_BIN="$bin" \
      ../shared/bench/peer.sh "$n" >/dev/null 2>"$work/peer-$driver-$i.log"
    # raw-nN.tsv: one row per round, in the order first, noise, real10, same.
    awk -F'\t' -v d="$driver" -v p="$i" 'NR>1 {print d "\t" p "\t" $5 "\t" $7+$8 "\t" $10}' \
      "$work/out-$driver-$i/raw-n$n.tsv" >"$work/rows-$driver-$i"
    if [ "$driver" = pg ]; then
      paste "$work/rows-$driver-$i" <(awk -v hz="$hz" '{printf "%.2f\n", $1/hz}' "$work/server-ticks") >>"$work/rows"
    else
      sed 's/$/\t0/' "$work/rows-$driver-$i" >>"$work/rows"
    fi
  done
done
python3 - "$work/rows" "$n" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print(f"| round (N={sys.argv[2]}) | bbolt: check CPU s | postgres: check CPU s | postgres: server CPU s | ratio (check+server)/bbolt |")
print("|---|---:|---:|---:|---:|")
for case in ["first", "noise", "real10", "same"]:
    b = [float(r[3]) for r in rows if r[0] == "bbolt" and r[2] == case]
    p = [float(r[3]) for r in rows if r[0] == "pg" and r[2] == case]
    s = [float(r[5]) for r in rows if r[0] == "pg" and r[2] == case]
    if not b or not p:
        continue
    mb, mp, ms = statistics.median(b), statistics.median(p), statistics.median(s)
    print(f"| {case} | {mb:.2f} | {mp:.2f} | {ms:.2f} | {(mp + ms) / mb:.2f} |")
PY
