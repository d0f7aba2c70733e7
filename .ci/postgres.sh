#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL on 127.0.0.1 for the test suite (Debian's postgresql package).
#
#   .ci/postgres.sh start [PORT] [DIR]   # prints the URL: export STORYLINE_TEST_PG_URL=$(.ci/postgres.sh start)
#   .ci/postgres.sh stop  [PORT] [DIR]
#   .ci/postgres.sh url   [PORT] [DIR]
#
# Needs only `apt-get install postgresql` (binaries in /usr/lib/postgresql/<version>/bin; the
# packaged cluster is not used). Run as root, the server runs as the `postgres` user; run as anyone
# else, it runs as that user. Trust authentication, listening on 127.0.0.1 only, data in DIR
# (default /tmp/storyline-pg-PORT), so nothing outside DIR is touched.
set -euo pipefail

cmd=${1:-start}
port=${2:-${STORYLINE_PG_PORT:-55432}}
dir=${3:-/tmp/storyline-pg-$port}
db=storyline_test

bindir=${PG_BINDIR:-}
if [[ -z "$bindir" ]]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "postgres.sh: no PostgreSQL binaries under /usr/lib/postgresql/*/bin; run: apt-get install postgresql" >&2
  exit 2
fi

if [[ $(id -u) -eq 0 ]]; then
  run() { runuser -u postgres -- "$@"; }
  pguser=postgres
else
  run() { "$@"; }
  pguser=$(id -un)
fi
url="postgresql://$pguser@127.0.0.1:$port/$db"

case "$cmd" in
  start)
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      mkdir -p "$dir"
      [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
      run "$bindir/initdb" -D "$dir/data" -U "$pguser" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! run "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      # The socket goes into DIR too: /var/run/postgresql may not exist or be writable.
      run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    fi
    if ! run "$bindir/psql" -h 127.0.0.1 -p "$port" -U "$pguser" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      run "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$pguser" "$db"
    fi
    echo "$url"
    ;;
  stop)
    if [[ -f "$dir/data/PG_VERSION" ]]; then
      run "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|stop|url [PORT] [DIR]" >&2
    exit 2
    ;;
esac
