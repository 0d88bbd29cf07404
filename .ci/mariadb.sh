#!/usr/bin/env bash
# Provision MariaDB 11.8 (real VECTOR type and HNSW index) on a Debian machine, in a Debian trixie chroot.
#
#   .ci/mariadb.sh start   install if missing (idempotent, reuses an existing chroot), start, create the
#                          test user; prints the URL to use as TIDB_VECTOR_TEST_MARIADB_URL
#   .ci/mariadb.sh stop    shut the server down (a no-op when it is not running)
#   .ci/mariadb.sh status  exit 0 when the server answers a real query
#   .ci/mariadb.sh kill    kill -9 the server (for crash tests)
#
# MARIADB_INSTANCE=name runs another server from the same install, with its own data directory, socket and
# MARIADB_PORT. MARIADB_TLS=1 makes it require TLS with a certificate for `localhost` signed by a CA made for
# it; the CA, and an unrelated CA for negative tests, are written to $ROOT/etc/tidb-vector-tls-<name>/.
#
# Server settings: commits are not flushed to disk at each transaction (tests need speed, not durability; the
# benchmark switches durability back on where it matters), and the vector index cache is 512 MiB instead of
# 16 MiB (a 50,000 x 128 index does not fit in 16 MiB: building it took 151 s instead of 14 s), and InnoDB's
# buffer pool is 1 GiB instead of 128 MiB (the benchmark's 65,000 text rows with their vectors take about
# 150 MiB: in 128 MiB an exact scan of them read the disk, 483 ms a query instead of about 60).
#
# Why a chroot: Debian 12 ships MariaDB 10.11 (no vectors); trixie ships 11.8, but pinning trixie on the host
# would upgrade libc6 and friends. A minimal trixie chroot costs ~25 s cold and ~630 MB of disk.
# Settings (environment): MARIADB_ROOT (chroot folder, outside the repo), MARIADB_PORT, MARIADB_USER,
# MARIADB_PASSWORD.
set -euo pipefail

ROOT=${MARIADB_ROOT:-/var/tmp/tidb-vector-mariadb}
PORT=${MARIADB_PORT:-33061}
DB_USER=${MARIADB_USER:-tidbvec}
DB_PASSWORD=${MARIADB_PASSWORD:-tidbvec}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
INSTANCE=${MARIADB_INSTANCE:-}
if [ -n "$INSTANCE" ]; then
  SOCKET=/run/mysqld/$INSTANCE.sock
  DATADIR=/var/lib/mysql-$INSTANCE
else
  SOCKET=/run/mysqld/mysqld.sock
  DATADIR=/var/lib/mysql
fi
PIDFILE=${SOCKET%.sock}.pid
# Each instance has a temporary directory of its own: a server that starts removes every `#sql*` file in its
# tmpdir, which would pull the temporary tables from under another instance's running queries.
TMPDIR_IN_ROOT=/var/tmp/mariadb-${INSTANCE:-main}
LOG=$ROOT/var/log/tidb-vector-mariadb${INSTANCE:+-$INSTANCE}.log
TLS_DIR=/etc/tidb-vector-tls-${INSTANCE:-main}

say() { echo "[mariadb] $*" >&2; }
die() { say "error: $*"; exit 1; }

retry() { # retry N CMD...: transient archive failures are common enough to deserve a second chance
  local n=$1 i; shift
  for ((i = 1; i <= n; i++)); do
    "$@" && return 0
    say "attempt $i/$n failed: $*"
    sleep $((i * 3))
  done
  return 1
}

client() { chroot "$ROOT" mariadb --socket="$SOCKET" -uroot --batch --skip-column-names "$@"; }

answers() { # a real query, not `mariadb-admin ping` (which succeeds even when access is denied)
  [ -S "$ROOT$SOCKET" ] && client -e 'select 1' >/dev/null 2>&1
}

install() {
  if [ -x "$ROOT/usr/sbin/mariadbd" ]; then
    say "reusing the chroot at $ROOT"
    return
  fi
  [ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot)"
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    retry 3 apt-get update -qq || die "apt-get update failed"
    retry 3 apt-get install -y -qq debootstrap >/dev/null || die "cannot install debootstrap"
  }
  local started=$SECONDS
  say "debootstrap trixie into $ROOT (about 20 s)"
  rm -rf "$ROOT.partial"
  retry 3 debootstrap --variant=minbase trixie "$ROOT.partial" "$MIRROR" >/dev/null \
    || die "debootstrap failed (is Debian's archive reachable?)"
  printf '#!/bin/sh\nexit 101\n' >"$ROOT.partial/usr/sbin/policy-rc.d" # package scripts start no services
  chmod +x "$ROOT.partial/usr/sbin/policy-rc.d"
  say "installing mariadb-server in the chroot"
  retry 3 chroot "$ROOT.partial" apt-get update -qq || die "apt-get update in the chroot failed"
  retry 3 chroot "$ROOT.partial" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null 2>&1 \
    || die "cannot install mariadb-server in the chroot"
  chroot "$ROOT.partial" apt-get clean
  mv "$ROOT.partial" "$ROOT" # only a complete install is ever reused
  say "installed in $((SECONDS - started)) s"
}

# A CA, a server certificate for DNS:localhost signed by it, and an unrelated CA (ECDSA P-256, v3).
make_certificates() {
  local dir=$ROOT$TLS_DIR
  [ -f "$dir/server.pem" ] && return
  mkdir -p "$dir"
  (
    cd "$dir"
    for ca in ca other-ca; do
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
        -subj "/CN=tidb-vector test $ca" -keyout "$ca-key.pem" -out "$ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    done
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
      -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem 2>/dev/null
  )
  chroot "$ROOT" chown -R mysql:mysql "$TLS_DIR"
  say "certificates in $dir"
}

start() {
  install
  # mariadb-install-db insists on resolving `localhost`; debootstrap leaves no /etc/hosts.
  [ -f "$ROOT/etc/hosts" ] || echo "127.0.0.1 localhost" >"$ROOT/etc/hosts"
  if [ ! -d "$ROOT$DATADIR/mysql" ]; then
    say "initializing $DATADIR"
    chroot "$ROOT" mariadb-install-db --user=mysql --datadir="$DATADIR" --auth-root-authentication-method=socket --skip-name-resolve \
      >/dev/null 2>&1 || die "mariadb-install-db failed"
  fi
  local tls=()
  if [ "${MARIADB_TLS:-0}" = 1 ]; then
    make_certificates
    tls=(--ssl-ca="$TLS_DIR/ca.pem" --ssl-cert="$TLS_DIR/server.pem" --ssl-key="$TLS_DIR/server-key.pem" --require-secure-transport=ON)
  fi
  if answers; then
    say "already running on port $PORT"
  else
    mkdir -p "$ROOT/run/mysqld" "$(dirname "$LOG")" "$ROOT$TMPDIR_IN_ROOT"
    chroot "$ROOT" chown mysql:mysql /run/mysqld "$TMPDIR_IN_ROOT"
    rm -f "$ROOT$SOCKET"
    # setsid + redirections: the daemon never holds the caller's terminal or CI's stdout.
    setsid chroot "$ROOT" /usr/sbin/mariadbd --user=mysql --datadir="$DATADIR" --socket="$SOCKET" \
      --pid-file="$PIDFILE" --tmpdir="$TMPDIR_IN_ROOT" --bind-address=127.0.0.1 --port="$PORT" --skip-log-bin "${tls[@]}" \
      --innodb-flush-log-at-trx-commit=2 --mhnsw-max-cache-size=536870912 --innodb-buffer-pool-size=1073741824 \
      --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_uca1400_as_cs --character-set-collations=utf8mb4=utf8mb4_uca1400_as_cs \
      --max-connections=500 >"$LOG" 2>&1 </dev/null &
    local i
    for ((i = 0; i < 300; i++)); do
      answers && break
      sleep 0.1
    done
    answers || { tail -n 30 "$LOG" >&2; die "the server did not answer within 30 s (log above)"; }
    say "started on port $PORT"
  fi
  client -e "CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
             CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
             CREATE USER IF NOT EXISTS '$DB_USER'@'::1' IDENTIFIED BY '$DB_PASSWORD';
             GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1' WITH GRANT OPTION;
             GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost' WITH GRANT OPTION;
             GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'::1' WITH GRANT OPTION;
             CREATE DATABASE IF NOT EXISTS tidb_vector;"
  say "version: $(client -e 'select version()')"
  echo "mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/tidb_vector"
}

kill_hard() {
  local pid
  pid=$(cat "$ROOT$PIDFILE" 2>/dev/null) || die "no pid file: is the server running?"
  kill -9 "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$ROOT$SOCKET"
  say "killed $pid"
}

stop() {
  if answers; then
    chroot "$ROOT" mariadb-admin --socket="$SOCKET" -uroot shutdown || true
    local i
    for ((i = 0; i < 100; i++)); do [ -S "$ROOT$SOCKET" ] || break; sleep 0.1; done
    say "stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  kill) kill_hard ;;
  *) echo "usage: $0 start|stop|status|kill" >&2; exit 2 ;;
esac
