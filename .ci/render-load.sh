#!/usr/bin/env bash
# Load run of rendered sources: the daemon with N sources (default 100) whose article a
# script loads with fetch() from a JSON endpoint, all with render: browser, on a server on
# 127.0.0.1, for a while. Reports checks per second, CPU per check (the daemon's and the
# browser's processes'), the checks' wall time, and the peak memory of the daemon (RSS) and
# of the browser (the sum of its processes' PSS, and of their RSS, which counts shared pages
# once per process). Needs chromium and python3. Everything stays on this machine.
#
#   .ci/render-load.sh [N] [SECONDS] [SCHEDULE] [SCREENSHOT]   e.g. .ci/render-load.sh 100 180 "@every 1m" false
set -euo pipefail
N=${1:-100}
SECS=${2:-180}
SCHED=${3:-"@every 1m"}
SHOT=${4:-false}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
srv= hw=
trap 'kill $srv $hw 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$here" && go build -o "$work/hanoiwatch" ./cmd/hanoiwatch)
cat >"$work/server.py" <<'EOF'
import http.server, json, socketserver, sys
PARAS = ["Paragraph %d of article %%d. The United Nations Convention against Cybercrime was opened for "
         "signature in Hanoi; %d States signed it on the first day, and delegates from more than 110 countries "
         "attended the conference at the National Convention Center." % (i, 65 + i) for i in range(12)]
NAV = "".join('<li><a href="/s%d">Section %d</a></li>' % (i, i) for i in range(120))
PAGE = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Article %d</title></head><body>'
        '<nav><ul>' + NAV + '</ul></nav><main><article id="story"><h1>Hanoi Convention, article %d</h1></article></main>'
        '<script>fetch("/data/%d.json").then(r => r.json()).then(d => d.paragraphs.forEach(t => {'
        'var p = document.createElement("p"); p.textContent = t; document.getElementById("story").appendChild(p);'
        'var i = document.createElement("img"); i.src = "/img.svg"; document.getElementById("story").appendChild(i);}));'
        '</script></body></html>')
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><rect width="600" height="200" fill="#8ab"/></svg>'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        p = self.path
        if p.startswith("/article/"):
            n = int(p.split("/")[2].split(".")[0]); body = (PAGE % (n, n, n)).encode(); ct = "text/html; charset=utf-8"
        elif p.startswith("/data/"):
            n = int(p.split("/")[2].split(".")[0]); body = json.dumps({"paragraphs": [t % n for t in PARAS]}).encode(); ct = "application/json"
        elif p == "/img.svg":
            body = SVG; ct = "image/svg+xml"
        else:
            self.send_error(404); return
        self.send_response(200); self.send_header("Content-Type", ct); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
python3 "$work/server.py" "$work/port" >"$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$work/port")"
listen="127.0.0.1:$((20000 + RANDOM % 20000))"
{
  printf 'defaults:\n  schedule: "%s"\n  render: browser\nbrowser:\n  max_tabs: 4\nhttp:\n  listen: "%s"\ndiscovery:\n  enabled: false\nsources:\n' "$SCHED" "$listen"
  for i in $(seq 1 "$N"); do printf '  - name: r%03d\n    url: %s/article/%d.html\n    wait: "#story p"\n    screenshot: %s\n' "$i" "$base" "$i" "$SHOT"; done
} >"$work/cfg.yaml"
"$work/hanoiwatch" run --config "$work/cfg.yaml" --db "$work/hw.db" 2>"$work/daemon.log" &
hw=$!
metric() { { curl -sf "http://$listen/metrics" || true; } | awk -v m="$1" '$1 ~ "^"m {s += $2} END {print s+0}'; }
for _ in $(seq 100); do curl -sf "http://$listen/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
# The CPU seconds of the daemon and all its descendants (the browser's processes, those that
# ended counted in their parent's reaped-children times).
tree_cpu() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$hw" '
    { split($0, a, ") "); split(a[2], f, " "); pid = $1; ppid[pid] = f[2]; t[pid] = f[12] + f[13] + f[14] + f[15] }
    END { for (p in t) { q = p; while (q > 1) { if (q == root) { s += t[p]; break } if (!(q in ppid)) break; q = ppid[q] } } print s / 100 }'
}
# Memory of the browser's processes in KiB: the sum of PSS, and of RSS.
browser_pids() {
  ps -eo pid=,ppid= | awk -v root="$hw" '{pp[$1] = $2} END {for (p in pp) {q = pp[p]; while (q > 1) {if (q == root) {print p; break} if (!(q in pp)) break; q = pp[q]}}}'
}
browser_mem() {
  browser_pids | tee "$work/pids" |
    while read -r p; do awk '/^Pss:/ {pss = $2} /^Rss:/ {rss = $2} END {print pss, rss}' "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '{pss += $1; rss += $2; n++} END {print pss + 0, rss + 0, n + 0}'
}
start=$(date +%s)
c0=$(metric hanoiwatch_checks_total); cpu0=$(tree_cpu); d0=$(metric hanoiwatch_check_duration_seconds_sum)
while [ $(( $(date +%s) - start )) -lt "$SECS" ]; do
  sleep 0.5
  echo "$(awk '/VmRSS/ {print $2}' "/proc/$hw/status") $(browser_mem)" >>"$work/mem"
done
c1=$(metric hanoiwatch_checks_total); cpu1=$(tree_cpu); d1=$(metric hanoiwatch_check_duration_seconds_sum)
kill -TERM $hw; wait $hw || true
# SIGTERM closes the browser: give its processes 5 s to be gone.
for _ in $(seq 50); do
  left=$(for p in $(sort -u "$work/pids"); do if [ -d "/proc/$p" ]; then echo "$p"; fi; done | tr '\n' ' ')
  [ -z "$left" ] && break
  sleep 0.1
done
checks=$(echo "$c1 - $c0" | bc); cpu=$(echo "$cpu1 - $cpu0" | bc)
echo "sources=$N seconds=$SECS schedule='$SCHED' screenshot=$SHOT"
echo "checks=$checks  checks/s=$(echo "scale=2; $checks / $SECS" | bc)  cpu_s=$cpu (daemon and browser)  ms_cpu/check=$(echo "scale=1; 1000 * $cpu / ($checks + 0.0001)" | bc)  ms_wall/check=$(echo "scale=1; 1000 * ($d1 - $d0) / ($checks + 0.0001)" | bc)"
stat() { awk -v c="$1" '{print $c}' "$work/mem" | sort -n | awk -v d="$2" '{v[NR] = $1} END {printf "median %d  peak %d", v[int((NR + 1) / 2)] / d, v[NR] / d}'; }
echo "daemon rss_mib:        $(stat 1 1024)"
echo "browser pss_mib (sum): $(stat 2 1024)   processes: $(stat 4 1)"
echo "browser rss_mib (sum): $(stat 3 1024)"
grep -c 'level=ERROR' "$work/daemon.log" | sed 's/^/daemon errors logged: /' || true
grep -c 'check failed' "$work/daemon.log" | sed 's/^/checks failed: /' || true
[ -z "$left" ] && echo "after SIGTERM: no browser process left" || echo "after SIGTERM: processes left: $left"
