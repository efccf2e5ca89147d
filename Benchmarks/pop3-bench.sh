#!/bin/bash
# POP3 and import benchmark for Tern, optionally side by side with Dovecot.
#
# usage: Benchmarks/pop3-bench.sh [--with-dovecot] [--count 1000] [--repeat 3]
#   env TERN=path/to/tern   binary to measure (default: builds .build/release/tern
#                           with `swift build -c release --product tern`)
#       PEER_SCRIPTS=DIR    where start-dovecot.sh / stop-dovecot.sh are
#                           (default /work/shared/peers; see its README to install Dovecot)
#       WORK=DIR            scratch directory (default: a new mktemp -d, removed at the end)
#
# What it does (loopback only, each step bounded by `timeout`):
#  1. generates a deterministic COUNT-message mbox (Tests/EndToEndTests/Scripts/mboxlib.py,
#     profile "bench": MIME parts and attachments, about 45 MB for 1,000 messages);
#  2. `tern import mbox` into a fresh data directory: reports messages/s;
#  3. starts `tern serve` with a POP3 (STLS) and a POP3S listener on free ports and times
#     Python poplib retrieving every message (login, LIST, RETR all, QUIT), REPEAT runs,
#     over POP3 and over POP3S: reports messages/s and MiB/s (best run);
#  4. with --with-dovecot: starts Dovecot (start-dovecot.sh, POP3 10110, POP3S 10995,
#     IMAP 10143), fills test160's INBOX with the same messages by IMAP APPEND, runs the
#     same client, and prints Tern/Dovecot ratios (> 1 means Tern is faster).
set -euo pipefail

COUNT=1000
REPEAT=3
WITH_DOVECOT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-dovecot) WITH_DOVECOT=1 ;;
    --count) COUNT=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRIPTS=$ROOT/Tests/EndToEndTests/Scripts
CLIENT=$ROOT/Benchmarks/pop3_bench_client.py
PEER_SCRIPTS=${PEER_SCRIPTS:-/work/shared/peers}
if [ -z "${TERN:-}" ]; then
  (cd "$ROOT" && timeout 3600 swift build -c release --product tern >&2)
  TERN=$ROOT/.build/release/tern
fi
BENCH_NAME=tern-bench
# shellcheck source=Benchmarks/bench-common.sh
. "$(dirname "$0")/bench-common.sh"

echo "== generating $COUNT messages"
timeout 300 python3 "$SCRIPTS/mboxlib.py" generate "$WORK/bench.mbox" --count "$COUNT" --seed 5 --profile bench

P3=$(free_port); P3S=$(free_port)
while [ "$P3S" = "$P3" ]; do P3S=$(free_port); done
CONFIG=$WORK/tern.toml
cat > "$CONFIG" <<TOML
host_name = "localhost"
local_domains = ["bench.test"]
data_directory = "$WORK/data"

[[listener]]
protocol = "pop3"
address = "127.0.0.1"
port = $P3
tls = "starttls"

[[listener]]
protocol = "pop3"
address = "127.0.0.1"
port = $P3S
tls = "implicit"

[authentication]
allow_cleartext = true

[logging]
level = "warning"
format = "text"
TOML

USER=bench@bench.test
PASS=bench-password-1
timeout 60 "$TERN" domain add bench.test --config "$CONFIG" >/dev/null 2>&1 || true
echo "$PASS" | timeout 60 "$TERN" account add "$USER" --password-stdin --config "$CONFIG" >/dev/null

echo "== tern import mbox ($COUNT messages)"
t0=$(date +%s.%N)
timeout 1200 "$TERN" import mbox "$WORK/bench.mbox" --account "$USER" --config "$CONFIG" 2>"$WORK/import.err" | tail -1
t1=$(date +%s.%N)
IMPORT_RATE=$(python3 -c "print('%.1f' % ($COUNT / ($t1 - $t0)))")
echo "import: $COUNT messages in $(python3 -c "print('%.2f' % ($t1 - $t0))") s = $IMPORT_RATE messages/s"

"$TERN" serve --config "$CONFIG" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$P3S),1); socket.create_connection(('127.0.0.1',$P3),1)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done

run_client() { # label port [--ssl]
  local label=$1 port=$2; shift 2
  timeout 600 python3 "$CLIENT" retrieve --port "$port" --user "$BUSER" --password "$BPASS" \
    --repeat "$REPEAT" --max-secs 300 --label "$label" "$@" | tee "$WORK/$label.out"
}

echo "== Tern POP3 retrieval"
BUSER=$USER BPASS=$PASS
run_client tern-pop3 "$P3"
run_client tern-pop3s "$P3S" --ssl

kill -TERM "$SERVER_PID"; for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

if [ "$WITH_DOVECOT" = 1 ]; then
  echo "== Dovecot (same messages, same client)"
  timeout 120 bash "$PEER_SCRIPTS/start-dovecot.sh" </dev/null >"$WORK/dovecot-start.log" 2>&1 || { cat "$WORK/dovecot-start.log" >&2; exit 1; }
  BUSER=test160 BPASS=pass
  timeout 900 python3 "$CLIENT" fill --imap-port 10143 --pop3-port 10110 --user "$BUSER" --password "$BPASS" --mbox "$WORK/bench.mbox"
  run_client dovecot-pop3 10110
  run_client dovecot-pop3s 10995 --ssl
  for proto in pop3 pop3s; do
    t=$(summary_field "$WORK/tern-$proto.out" MiB_per_s); d=$(summary_field "$WORK/dovecot-$proto.out" MiB_per_s)
    python3 -c "print('ratio %s Tern/Dovecot MiB/s: %s / %s = %.2f' % ('$proto', '$t', '$d', float('$t') / float('$d')))"
  done
  echo "(Dovecot left running; stop it with $PEER_SCRIPTS/stop-dovecot.sh)"
fi

echo "== summary"
echo "import_msgs_per_s=$IMPORT_RATE"
for f in "$WORK"/*.out; do grep SUMMARY "$f"; done
