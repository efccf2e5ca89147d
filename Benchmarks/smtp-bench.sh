#!/bin/bash
# SMTP benchmark for Tern, optionally side by side with Postfix delivering to Dovecot.
#
# usage: Benchmarks/smtp-bench.sh [--with-postfix] [--count 1000] [--count-large 200]
#   env TERN=path/to/tern   binary to measure (default: .build-release/release/tern when it
#                           exists, else builds it with
#                           `swift build -c release --product tern --scratch-path .build-release`)
#       PEER_SCRIPTS=DIR    where start-/stop-dovecot.sh and start-/stop-postfix.sh are
#                           (default /work/shared/peers; see its README to install them)
#       WORK=DIR            scratch directory (default: a new mktemp -d, removed at the end)
#
# What it does (loopback only, each step bounded by `timeout` and --max-secs):
#  four batches, each with Benchmarks/smtp_bench_client.py (smtplib, one kept-open SMTP
#  connection per thread; POP3 STAT polled every 0.1 s):
#     4 KiB x COUNT over 1 and 20 connections, 100 KiB x COUNT_LARGE over 1 and 20;
#  each batch to its own, empty mailbox; reports accepted messages/s (first connect to
#  last 250) and the time until the whole batch is visible by POP3 STAT.
#  1. Tern: `tern serve` with an MX (smtp) and a POP3 listener on free ports, a fresh data
#     directory, accounts bench1..bench4@bench.test.
#  2. with --with-postfix: Dovecot (start-dovecot.sh: POP3 10110, IMAP 10143, LMTP 10024) and
#     Postfix (start-postfix.sh: SMTP 10025, delivering @example.test to Dovecot by LMTP);
#     the same batches to test151..test154@example.test (mailbox emptied over IMAP first);
#     then Tern/Postfix ratios (> 1 means Tern is faster; for visibility, Postfix time / Tern time).
set -euo pipefail

COUNT=1000
COUNT_LARGE=200
WITH_POSTFIX=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-postfix) WITH_POSTFIX=1 ;;
    --count) COUNT=$2; shift ;;
    --count-large) COUNT_LARGE=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENT=$ROOT/Benchmarks/smtp_bench_client.py
PEER_SCRIPTS=${PEER_SCRIPTS:-/work/shared/peers}
if [ -z "${TERN:-}" ]; then
  if [ ! -x "$ROOT/.build-release/release/tern" ]; then
    (cd "$ROOT" && timeout 3600 swift build -c release --product tern --scratch-path .build-release >&2)
  fi
  TERN=$ROOT/.build-release/release/tern
fi
BENCH_NAME=tern-smtp-bench
# shellcheck source=Benchmarks/bench-common.sh
. "$(dirname "$0")/bench-common.sh"

# The four batches: label-suffix size count connections
BATCHES="4k-c1 4096 $COUNT 1
4k-c20 4096 $COUNT 20
100k-c1 102400 $COUNT_LARGE 1
100k-c20 102400 $COUNT_LARGE 20"

run_batches() { # server smtp_port pop3_port user_fmt rcpt_fmt [extra client args]
  local server=$1 smtp=$2 pop3=$3 user_fmt=$4 rcpt_fmt=$5; shift 5
  local i=0
  while read -r name size count conns; do
    i=$((i + 1))
    # shellcheck disable=SC2059
    timeout 900 python3 "$CLIENT" run --smtp-port "$smtp" --pop3-port "$pop3" \
      --user "$(printf "$user_fmt" "$i")" --rcpt "$(printf "$rcpt_fmt" "$i")" --password "$BPASS" \
      --size "$size" --count "$count" --connections "$conns" --max-secs 600 --label "$server-$name" "$@" </dev/null \
      | tee "$WORK/$server-$name.out" || true
  done <<< "$BATCHES"
}

S=$(free_port); P3=$(free_port)
while [ "$P3" = "$S" ]; do P3=$(free_port); done
CONFIG=$WORK/tern.toml
cat > "$CONFIG" <<TOML
host_name = "mx.bench.test"
local_domains = ["bench.test"]
data_directory = "$WORK/data"

[[listener]]
protocol = "smtp"
address = "127.0.0.1"
port = $S
tls = "starttls"

[[listener]]
protocol = "pop3"
address = "127.0.0.1"
port = $P3
tls = "starttls"

[limits]
max_connections = 500
max_connections_per_address = 200
idle_timeout_seconds = 600
max_message_size = 10485760

[authentication]
allow_cleartext = true

[logging]
level = "warning"
format = "text"
TOML

BPASS=bench-password-1
timeout 60 "$TERN" domain add bench.test --config "$CONFIG" >/dev/null 2>&1 || true
for i in 1 2 3 4; do
  echo "$BPASS" | timeout 60 "$TERN" account add "bench$i@bench.test" --password-stdin --config "$CONFIG" >/dev/null
done

"$TERN" serve --config "$CONFIG" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1',$S),1); socket.create_connection(('127.0.0.1',$P3),1)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done

echo "== Tern ($TERN)"
run_batches tern "$S" "$P3" "bench%d@bench.test" "bench%d@bench.test"

kill -TERM "$SERVER_PID"; for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

if [ "$WITH_POSTFIX" = 1 ]; then
  echo "== Postfix -> LMTP -> Dovecot (same client, same batches)"
  timeout 120 bash "$PEER_SCRIPTS/start-dovecot.sh" </dev/null >"$WORK/dovecot-start.log" 2>&1 || { cat "$WORK/dovecot-start.log" >&2; exit 1; }
  timeout 120 bash "$PEER_SCRIPTS/start-postfix.sh" </dev/null >"$WORK/postfix-start.log" 2>&1 || { cat "$WORK/postfix-start.log" >&2; exit 1; }
  BPASS=pass
  run_batches postfix 10025 10110 "test15%d" "test15%d@example.test" --reset-imap-port 10143
  while read -r name _ _ _; do
    t=$WORK/tern-$name.out p=$WORK/postfix-$name.out
    python3 - "$name" "$(summary_field "$t" accept_msgs_per_s)" "$(summary_field "$p" accept_msgs_per_s)" \
      "$(summary_field "$t" visible_s)" "$(summary_field "$p" visible_s)" <<'PY'
import sys
name, ta, pa, tv, pv = sys.argv[1:]
def ratio(a, b):
    try:
        return "%.2f" % (float(a) / float(b))
    except (ValueError, ZeroDivisionError):
        return "n/a"
print("ratio %-8s accepted msgs/s Tern/Postfix: %s / %s = %s;  all visible (s) Postfix/Tern: %s / %s = %s"
      % (name, ta, pa, ratio(ta, pa), pv, tv, ratio(pv, tv)))
PY
  done <<< "$BATCHES"
  echo "(Dovecot and Postfix left running; stop them with $PEER_SCRIPTS/stop-postfix.sh and stop-dovecot.sh)"
fi

echo "== summary"
for f in "$WORK"/*.out; do grep SUMMARY "$f" || true; done
