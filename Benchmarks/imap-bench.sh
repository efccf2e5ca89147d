#!/bin/bash
# IMAP benchmark for Tern, optionally side by side with Dovecot.
#
# usage: Benchmarks/imap-bench.sh [--with-dovecot] [--users 20] [--messages 50]
#                                 [--clients 20] [--iterations 20] [--idle "1000 10000"]
#   env TERN=path/to/tern   binary to measure (default: a release build,
#                           `swift build -c release --product tern --scratch-path .build-release`)
#       PEER_SCRIPTS=DIR    where start-dovecot.sh / stop-dovecot.sh are (default /work/shared/peers)
#       WORK=DIR            scratch directory (default: a new mktemp -d, removed at the end)
#
# What it does (loopback only, every step bounded by `timeout` and --max-secs):
#  1. a fresh Tern data directory with USERS accounts (sha512-crypt hashes imported
#     with `tern account import-passwd`, so that logins cost what Dovecot's
#     passwd-file costs rather than yescrypt's deliberate slowness), each INBOX
#     filled with MESSAGES 4 KiB messages by IMAP APPEND;
#  2. the mixed workload (imap_bench_client.py load): CLIENTS concurrent clients,
#     ITERATIONS rounds each of LOGIN, LIST, STATUS, SELECT, FETCH, STORE, APPEND,
#     EXPUNGE, LOGOUT: commands/s and latency percentiles;
#  3. for each count in --idle: that many connections LOGIN, SELECT and IDLE; the
#     server's resident memory before and after gives KiB per idle connection;
#  4. with --with-dovecot: the same fill and mixed workload against Dovecot
#     (start-dovecot.sh, users test1..N, IMAP 10143) and the Tern/Dovecot ratio.
#     Dovecot's idle test is run only up to its default process limit (100 imap
#     processes, one per connection), which is the point of comparison.
set -euo pipefail

USERS=20
MESSAGES=50
CLIENTS=20
ITERATIONS=20
IDLE_COUNTS="1000 10000"
WITH_DOVECOT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-dovecot) WITH_DOVECOT=1 ;;
    --users) USERS=$2; shift ;;
    --messages) MESSAGES=$2; shift ;;
    --clients) CLIENTS=$2; shift ;;
    --iterations) ITERATIONS=$2; shift ;;
    --idle) IDLE_COUNTS=$2; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENT=$ROOT/Benchmarks/imap_bench_client.py
PEER_SCRIPTS=${PEER_SCRIPTS:-/work/shared/peers}
if [ -z "${TERN:-}" ]; then
  (cd "$ROOT" && timeout 3600 swift build -c release --product tern --scratch-path .build-release >&2)
  TERN=$ROOT/.build-release/release/tern
fi
BENCH_NAME=tern-imap-bench
# shellcheck source=Benchmarks/bench-common.sh
. "$(dirname "$0")/bench-common.sh"

MAX_IDLE=0
for n in $IDLE_COUNTS; do [ "$n" -gt "$MAX_IDLE" ] && MAX_IDLE=$n; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

IMAP=$(free_port)
CONFIG=$WORK/tern.toml
cat > "$CONFIG" <<TOML
host_name = "localhost"
local_domains = ["bench.test"]
data_directory = "$WORK/data"

[[listener]]
protocol = "imap"
address = "127.0.0.1"
port = $IMAP
tls = "none"

[limits]
max_connections = $((MAX_IDLE + 500))
max_connections_per_address = $((MAX_IDLE + 500))

# Many sessions of one account from 127.0.0.1 (Dovecot: mail_max_userip_connections).
[limits.imap]
max_connections_per_user_and_address = $((MAX_IDLE + 500))

[authentication]
allow_cleartext = true

[logging]
level = "warning"
format = "text"
TOML

PASS=bench-password-1
timeout 60 "$TERN" domain add bench.test --config "$CONFIG" >/dev/null 2>&1
HASH=$(openssl passwd -6 "$PASS")
for i in $(seq 1 "$USERS"); do echo "bench$i@bench.test:{SHA512-CRYPT}$HASH"; done > "$WORK/users.passwd"
timeout 120 "$TERN" account import-passwd "$WORK/users.passwd" --config "$CONFIG" >/dev/null

"$TERN" serve --config "$CONFIG" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1',$IMAP),1)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done

bench() { # label port user-format password [extra...]
  local label=$1 port=$2 format=$3 password=$4; shift 4
  timeout 1200 python3 "$CLIENT" fill --port "$port" --user-format "$format" --users "$USERS" \
    --password "$password" --count "$MESSAGES" --max-secs 900
  timeout 1200 python3 "$CLIENT" load --port "$port" --user-format "$format" --users "$USERS" \
    --password "$password" --clients "$CLIENTS" --iterations "$ITERATIONS" --max-secs 600 --label "$label" \
    | tee "$WORK/$label-load.out"
}

echo "== Tern: mixed IMAP workload"
bench tern "$IMAP" "bench%d@bench.test" "$PASS"
for n in $IDLE_COUNTS; do
  echo "== Tern: $n idle IDLE connections"
  timeout 900 python3 "$CLIENT" idle --port "$IMAP" --users "$USERS" --password "$PASS" \
    --connections "$n" --pid "$SERVER_PID" --max-secs 600 --label "tern-idle-$n" | tee "$WORK/tern-idle-$n.out"
done

kill -TERM "$SERVER_PID"; for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

if [ "$WITH_DOVECOT" = 1 ]; then
  echo "== Dovecot: the same workload"
  timeout 120 bash "$PEER_SCRIPTS/start-dovecot.sh" </dev/null >"$WORK/dovecot-start.log" 2>&1 \
    || { cat "$WORK/dovecot-start.log" >&2; exit 1; }
  bench dovecot 10143 "test%d" pass
  DOVECOT_PID=$(cat "${PEERS:-/tmp/peers}/dovecot/run/master.pid")
  timeout 600 python3 "$CLIENT" idle --port 10143 --user-format "test%d" --users "$USERS" --password pass \
    --connections 90 --pid "$DOVECOT_PID" --max-secs 300 --label dovecot-idle-90 | tee "$WORK/dovecot-idle-90.out"
  t=$(summary_field "$WORK/tern-load.out" commands_per_s); d=$(summary_field "$WORK/dovecot-load.out" commands_per_s)
  python3 -c "print('ratio Tern/Dovecot commands/s: %s / %s = %.2f' % ('$t', '$d', float('$t') / float('$d')))"
  echo "(Dovecot left running; stop it with $PEER_SCRIPTS/stop-dovecot.sh)"
fi

echo "== summary"
for f in "$WORK"/*.out; do grep SUMMARY "$f"; done
