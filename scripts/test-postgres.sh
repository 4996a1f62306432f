#!/usr/bin/env bash
# A throwaway PostgreSQL server for the decision-log tests: initdb in a temporary
# directory, listening on 127.0.0.1 at a free port, no system service.
#   test-postgres.sh start DIR   prints the DSN on stdout
#   test-postgres.sh stop DIR    stops the server and removes DIR
set -euo pipefail
action="${1:?usage: test-postgres.sh start|stop DIR}"
dir="${2:?usage: test-postgres.sh start|stop DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "test-postgres.sh: no PostgreSQL under /usr/lib/postgresql (run scripts/install-system-deps.sh)" >&2; exit 1; }

# initdb refuses to run as root, so the server runs as the postgres account then.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U claude_pm --no-sync >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=50" >&2
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U claude_pm claude_pm_test
    echo "postgresql://claude_pm@127.0.0.1:$port/claude_pm_test"
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop >&2 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "test-postgres.sh: unknown action $action (start or stop)" >&2; exit 2 ;;
esac
