#!/usr/bin/env bash
# Install (Debian packages) and start a throw-away local PostgreSQL server for the tests.
#
# Sourced by scripts/test.sh (it can also be run or sourced on its own): exports
# SYMBIOSE_TEST_POSTGRES_URL when the server is up.  Idempotent and quick when the server is
# already running: the cluster lives in var/postgres/ (or $SYMBIOSE_PG_DIR), listens on
# 127.0.0.1 only, on a free port chosen once, with trust authentication, and is meant to be
# thrown away (`rm -rf var/postgres` after `pg_ctl stop`).  A server this script started is
# stopped by `symbiose_pg_stop` (scripts/test.sh calls it on exit); one it found running is
# left running.  PostgreSQL refuses to run as root,
# so as root the server runs as the `postgres` user.  It never fails the caller: if the packages
# cannot be installed or the server does not start, it prints a warning and the tests marked
# `postgres` are skipped.

_symbiose_pg_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

_symbiose_pg_as() {
    # Run a PostgreSQL command as the cluster's owner.
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_symbiose_pg_free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

_symbiose_pg_start() {
    local root base data bindir port db log
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    base="${SYMBIOSE_PG_DIR:-$root/var/postgres}"
    data="$base/data"
    log="$base/server.log"
    db="symbiose_test"

    if ! bindir=$(_symbiose_pg_bindir); then
        echo "postgres.sh: PostgreSQL not found; installing it from the Debian packages" >&2
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } \
                >"${TMPDIR:-/tmp}/symbiose-pg-install.log" 2>&1 \
                || echo "postgres.sh: apt-get failed (see ${TMPDIR:-/tmp}/symbiose-pg-install.log)" >&2
        fi
        if ! bindir=$(_symbiose_pg_bindir); then
            echo "postgres.sh: WARNING: PostgreSQL is not available; the postgres tests will be skipped" >&2
            return 1
        fi
    fi

    mkdir -p "$base"
    if [ "$(id -u)" = "0" ]; then
        if ! id postgres >/dev/null 2>&1; then
            echo "postgres.sh: WARNING: no 'postgres' user to run the server as; postgres tests skipped" >&2
            return 1
        fi
        chown postgres "$base"
        # A checkout under a private folder (mktemp -d is mode 700) is out of the postgres
        # user's reach: keep the cluster in a folder of its own under /tmp instead.
        if [ -z "${SYMBIOSE_PG_DIR:-}" ] && ! runuser -u postgres -- test -w "$base"; then
            base="/tmp/symbiose-postgres-$(printf '%s' "$root" | sha1sum | cut -c1-12)"
            data="$base/data"
            log="$base/server.log"
            mkdir -p "$base"
            chown postgres "$base"
            chmod 700 "$base"
        fi
    fi

    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        if ! _symbiose_pg_as "$bindir/initdb" -D "$data" -U postgres --auth=trust \
            --encoding=UTF8 --no-sync >"$base/initdb.log" 2>&1; then
            echo "postgres.sh: WARNING: initdb failed (see $base/initdb.log); postgres tests skipped" >&2
            return 1
        fi
    fi

    if [ -f "$base/port" ] && _symbiose_pg_as "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        port=$(cat "$base/port")
    else
        port=$(_symbiose_pg_free_port)
        echo "$port" >"$base/port"
        # Throw-away settings: no fsync, TCP on loopback only, no Unix socket in /var/run.
        if ! _symbiose_pg_as "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start \
            -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >/dev/null 2>&1; then
            echo "postgres.sh: WARNING: the server did not start (see $log); postgres tests skipped" >&2
            return 1
        fi
        # This call started the server: symbiose_pg_stop (below) stops it again.
        export SYMBIOSE_PG_STARTED="$bindir/pg_ctl -D $data"
    fi

    if ! _symbiose_pg_as "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres 2>/dev/null | grep -q 1; then
        _symbiose_pg_as "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" >/dev/null 2>&1 || true
    fi
    export SYMBIOSE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/$db"
    echo "postgres.sh: PostgreSQL ready at $SYMBIOSE_TEST_POSTGRES_URL" >&2
    return 0
}

symbiose_pg_stop() {
    # Stop the server if (and only if) postgres.sh started it in this shell.
    if [ -n "${SYMBIOSE_PG_STARTED:-}" ]; then
        # shellcheck disable=SC2086
        if [ "$(id -u)" = "0" ]; then
            runuser -u postgres -- $SYMBIOSE_PG_STARTED -m fast -w stop >/dev/null 2>&1 || true
        else
            $SYMBIOSE_PG_STARTED -m fast -w stop >/dev/null 2>&1 || true
        fi
        echo "postgres.sh: PostgreSQL stopped" >&2
        unset SYMBIOSE_PG_STARTED
    fi
}

_symbiose_pg_start || true
unset -f _symbiose_pg_start _symbiose_pg_bindir _symbiose_pg_as _symbiose_pg_free_port
