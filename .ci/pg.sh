#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: `.ci/pg.sh start DIR` makes a cluster in DIR (initdb
# as an unprivileged user: PostgreSQL refuses to run as root), starts it on 127.0.0.1 at a
# free port with trust authentication, and prints the address the tests read from
# HANOIWATCH_TEST_POSTGRES; `.ci/pg.sh stop DIR` stops it and removes the cluster. The
# cluster lives in a temporary folder of the user that runs it (DIR's own folders may not be
# open to that user); DIR/data names it.
set -euo pipefail
cmd="${1:?usage: .ci/pg.sh start|stop DIR}"
dir="${2:?usage: .ci/pg.sh start|stop DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] && command -v pg_ctl >/dev/null 2>&1; then bin="$(dirname "$(command -v pg_ctl)")"; fi
[ -n "$bin" ] || { echo "pg.sh: no PostgreSQL server installed (apt-get install postgresql)" >&2; exit 1; }
as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as=(runuser -u postgres --)
fi
case "$cmd" in
start)
  mkdir -p "$dir"
  data="$("${as[@]}" mktemp -d)"
  echo "$data" >"$dir/data"
  "${as[@]}" "$bin/initdb" -D "$data/cluster" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  # fsync off: a throwaway cluster needs no durability, and the tests' many small
  # transactions would otherwise wait on the disk.
  "${as[@]}" "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null ||
    { cat "$data/server.log" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  [ -f "$dir/data" ] || exit 0
  data="$(cat "$dir/data")"
  "${as[@]}" "$bin/pg_ctl" -D "$data/cluster" -m immediate stop >/dev/null 2>&1 || true
  "${as[@]}" rm -rf "$data"
  rm -f "$dir/data"
  ;;
*) echo "usage: .ci/pg.sh start|stop DIR" >&2; exit 2 ;;
esac
