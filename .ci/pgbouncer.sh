# Sourced by .ci/run: start PgBouncer (transaction pooling) in front of the machine's
# PostgreSQL, with a generated config in a temporary folder, and stop it again.
#   pgbouncer_start <postgres-url>  -> sets PGBOUNCER_PORT, PGBOUNCER_DIR, PGBOUNCER_PID
#   pgbouncer_stop
# Every database name is routed by the wildcard entry ("* = host=… port=…"), so the test
# runner's test_<name> database is reachable through it as soon as it exists. The server side
# logs in as the URL's user (auth_type any: PostgreSQL here trusts 127.0.0.1; a deployment
# uses scram-sha-256 with an auth_file or auth_query instead, docs/scaling.md).

pgbouncer_start() {
  local url=$1
  local hostport user host port
  user=$(python3 -c 'import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).username or "postgres")' "$url")
  host=$(python3 -c 'import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or "127.0.0.1")' "$url")
  port=$(python3 -c 'import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 5432)' "$url")
  PGBOUNCER_PORT=${PGBOUNCER_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  PGBOUNCER_DIR=$(mktemp -d /tmp/toh-pgbouncer.XXXXXX)
  cat > "$PGBOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$port user=$user

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $PGBOUNCER_DIR/pgbouncer.log
pidfile = $PGBOUNCER_DIR/pgbouncer.pid
INI
  local as_user=()
  # PgBouncer refuses to run as root: drop to the postgres account when CI runs as root.
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$PGBOUNCER_DIR"
    as_user=(-u postgres)
  fi
  pgbouncer -d "${as_user[@]}" "$PGBOUNCER_DIR/pgbouncer.ini"
  local tries=0
  until [ -s "$PGBOUNCER_DIR/pgbouncer.pid" ] && python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PGBOUNCER_PORT" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ]; then
      echo "PgBouncer did not start; its log:" >&2
      cat "$PGBOUNCER_DIR/pgbouncer.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  PGBOUNCER_PID=$(cat "$PGBOUNCER_DIR/pgbouncer.pid")
  echo "PgBouncer $(pgbouncer --version | head -1 | awk '{print $2}') (pid $PGBOUNCER_PID, pool_mode=transaction) on 127.0.0.1:$PGBOUNCER_PORT -> $host:$port"
}

pgbouncer_stop() {
  if [ -n "${PGBOUNCER_PID:-}" ] && kill -0 "$PGBOUNCER_PID" 2>/dev/null; then
    kill "$PGBOUNCER_PID"
    for _ in $(seq 50); do kill -0 "$PGBOUNCER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  PGBOUNCER_PID=
  [ -n "${PGBOUNCER_DIR:-}" ] && rm -rf "$PGBOUNCER_DIR"
  PGBOUNCER_DIR=
}
