# Throwaway PostgreSQL cluster for the demo (and anything else that needs a
# live server outside pg_regress/TAP).  Source it, then:
#   cluster_start [extra conf lines...]   sets CLUSTER_DIR, PGHOST, PGPORT
#   cluster_psql [psql args...]           psql as the postgres user
#   cluster_stop                          (also runs on EXIT)
# PostgreSQL refuses to run as root, so as root everything runs as postgres.

PG_CONFIG=${PG_CONFIG:-pg_config}
PG_BINDIR=$($PG_CONFIG --bindir)

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cluster_stop() {
  if [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ]; then
    as_postgres "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$CLUSTER_DIR"
  fi
}

cluster_start() {
  CLUSTER_DIR=$(mktemp -d /tmp/leadscore-cluster.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres "$CLUSTER_DIR"
  chmod 755 "$CLUSTER_DIR"
  trap cluster_stop EXIT
  as_postgres "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -A trust -U postgres \
    --no-sync >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$CLUSTER_DIR/initdb.log"; return 1; }
  PGPORT=$((20000 + RANDOM % 20000))
  {
    echo "shared_preload_libraries = 'leadscore'"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$CLUSTER_DIR'"
    echo "port = $PGPORT"
    echo "fsync = off"
    for line in "$@"; do echo "$line"; done
  } >> "$CLUSTER_DIR/data/postgresql.conf"
  as_postgres "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w start >/dev/null \
    || { cat "$CLUSTER_DIR/server.log"; return 1; }
  export PGHOST=$CLUSTER_DIR PGPORT PGUSER=postgres
}

cluster_psql() {
  as_postgres env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER=postgres \
    "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
