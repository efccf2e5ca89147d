#!/bin/bash
# Big-message memory benchmark (issue 10: big messages in bounded memory,
# goal: the server grows by less than 100 MB).
#
# usage: Benchmarks/big-message-bench.sh [--count 20] [--size 30000000] [--no-readback]
#   --count N        concurrent connections per phase, one message each (default 20)
#   --size OCTETS    size of each message (default 30000000)
#   --no-readback    skip phase 3
#   env TERN=path/to/tern   binary to measure (default: a release build,
#                           `swift build -c release --product tern --scratch-path .build-release`)
#       WORK=DIR            scratch directory (default: a new mktemp -d, removed at the end)
#
# What it does (loopback only, every step bounded by `timeout`): starts
# `tern serve` (SMTP, IMAP, POP3), then, with the server's VmRSS read before
# each phase and its peak (VmHWM, reset with /proc/PID/clear_refs "5" before
# each phase) after it:
#  1. smtp:   COUNT concurrent SMTP messages of SIZE octets, two recipients each
#             (Tests/EndToEndTests/Scripts/big_messages.py send: multipart, a
#             base64 attachment);
#  2. append: COUNT concurrent IMAP APPENDs of SIZE octets (imap_big_append.py);
#  3. read:   the appended messages read back with COUNT IMAP connections at once
#             (BODY[HEADER], BODY[], BODY[]<1000000.500000>, BODY[1], BODY[2],
#             checked byte for byte) and over POP3 RETR.
# Each phase prints "SUMMARY label=... rss_before_mib=... peak_mib=... growth_mib=...
# seconds=...": growth is the peak minus the RSS before the phase.
set -euo pipefail

COUNT=20
SIZE=30000000
READBACK=1
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift ;;
    --size) SIZE=$2; shift ;;
    --no-readback) READBACK=0 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRIPTS=$ROOT/Tests/EndToEndTests/Scripts
if [ -z "${TERN:-}" ]; then
  (cd "$ROOT" && timeout 3600 swift build -c release --product tern --scratch-path .build-release >&2)
  TERN=$ROOT/.build-release/release/tern
fi
BENCH_NAME=tern-big-message-bench
# shellcheck source=Benchmarks/bench-common.sh
. "$(dirname "$0")/bench-common.sh"

SMTP=$(free_port)
IMAP=$(free_port)
POP3=$(free_port)
CONFIG=$WORK/tern.toml
# Room for COUNT messages of SIZE at once from one address (loopback).
IN_FLIGHT=$(( (COUNT + 1) * SIZE * 2 ))
cat > "$CONFIG" <<TOML
host_name = "localhost"
local_domains = ["bench.test"]
data_directory = "$WORK/data"

[[listener]]
protocol = "smtp"
address = "127.0.0.1"
port = $SMTP
tls = "none"

[[listener]]
protocol = "imap"
address = "127.0.0.1"
port = $IMAP
tls = "none"

[[listener]]
protocol = "pop3"
address = "127.0.0.1"
port = $POP3
tls = "none"

[limits]
idle_timeout_seconds = 600
max_connections_per_address = $(( COUNT * 10 + 100 ))
max_message_size = $(( SIZE + SIZE / 4 ))
max_unauthenticated_message_size = $(( SIZE + SIZE / 4 ))
max_unauthenticated_in_flight_per_address = $IN_FLIGHT

# Many sessions of one account from 127.0.0.1 (Dovecot: mail_max_userip_connections).
[limits.imap]
max_connections_per_user_and_address = $(( COUNT * 10 + 100 ))

[authentication]
allow_cleartext = true

[smtp]
trusted_networks = []

[http]
listener = []

[logging]
level = "warning"
format = "text"
TOML

PASS=bench-password-1
timeout 60 "$TERN" domain add bench.test --config "$CONFIG" >/dev/null
for address in big1@bench.test big2@bench.test big3@bench.test; do
  echo "$PASS" | timeout 120 "$TERN" account add "$address" --password-stdin --config "$CONFIG" >/dev/null
done

"$TERN" serve --config "$CONFIG" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for port in $SMTP $IMAP $POP3; do
  for _ in $(seq 1 600); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
  done
done

# VmRSS or VmHWM of the server in KiB.
status_kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$SERVER_PID/status"; }
# Runs "$@" as phase $1 (label) and prints its SUMMARY line.
phase() {
  local label=$1; shift
  echo 5 > "/proc/$SERVER_PID/clear_refs" 2>/dev/null || echo "(cannot reset VmHWM: the peak is since the start)"
  local before start end peak after
  before=$(status_kib VmRSS)
  start=$(date +%s.%N)
  "$@" | tee "$WORK/$label.client"
  end=$(date +%s.%N)
  peak=$(status_kib VmHWM)
  after=$(status_kib VmRSS)
  python3 -c "print('SUMMARY label=$label count=$COUNT size=$SIZE rss_before_mib=%.1f peak_mib=%.1f rss_after_mib=%.1f growth_mib=%.1f seconds=%.1f' % ($before/1024, $peak/1024, $after/1024, ($peak-$before)/1024, $end-$start))" \
    | tee "$WORK/$label.out"
}

echo "== 1. $COUNT concurrent SMTP messages of $SIZE octets, two recipients"
phase smtp timeout 1800 python3 "$SCRIPTS/big_messages.py" send --port "$SMTP" \
  --recipients big1@bench.test,big2@bench.test --count "$COUNT" --size "$SIZE" --log "$WORK/smtp.log"
echo "== 2. $COUNT concurrent IMAP APPENDs of $SIZE octets"
phase append timeout 1800 python3 "$SCRIPTS/imap_big_append.py" append --port "$IMAP" --user big3@bench.test \
  --password "$PASS" --count "$COUNT" --size "$SIZE" --log "$WORK/append.log"
if [ "$READBACK" = 1 ]; then
  echo "== 3. read back: $COUNT IMAP connections at once (BODY[], <partial>, BODY[1], BODY[2], HEADER), then POP3 RETR"
  phase read timeout 1800 python3 "$SCRIPTS/imap_big_append.py" verify --port "$IMAP" --user big3@bench.test \
    --password "$PASS" --log "$WORK/append.log" --threads "$COUNT" --pop3-port "$POP3"
fi

echo "== summary (growth: peak VmHWM of the phase minus VmRSS before it; goal < 100 MiB)"
for f in "$WORK"/*.out; do grep SUMMARY "$f"; done
