#!/bin/bash
# Large-mailbox IMAP benchmark: one INBOX of 100,000 messages in Tern and,
# with --with-dovecot, the same messages in Dovecot, measured side by side.
#
# usage: Benchmarks/large-mailbox-bench.sh [--with-dovecot] [--messages 100000] [--runs 3] [--sessions 10]
#                                          [--reuse]
#   --reuse                 WORK holds a previous run's data (given WORK=DIR): skip making
#                           and importing the messages and measure again (a new binary)
#   env TERN=path/to/tern   binary to measure (default: a release build,
#                           `swift build -c release --product tern --scratch-path .build-release`)
#       PEER_SCRIPTS=DIR    where start-dovecot.sh / stop-dovecot.sh are (default /work/shared/peers)
#       WORK=DIR            scratch directory (default: a new mktemp -d, removed at the end)
#
# What it does (loopback only, every step bounded by `timeout`):
#  1. large_mailbox_client.py make: an mbox of MESSAGES ~1 KiB messages (3 of 4
#     seen, one in 10 with "quarterly" in its Subject) and the same messages as a
#     Maildir for Dovecot;
#  2. `tern import mbox` into bench@bench.test's INBOX (timed);
#  3. large_mailbox_client.py hold, on the freshly started server: its resident
#     memory (RSS and PSS of its process tree: Dovecot forks one process per
#     session) before and with SESSIONS sessions holding INBOX selected, also after
#     the first alone (one-time costs: caches, the first read of the mailbox), so
#     next_session_* is what each further session adds;
#  4. large_mailbox_client.py measure: best and median of RUNS (after a warm-up
#     round, in which Dovecot builds its index) of STATUS, SELECT, FETCH 1:*
#     (UID FLAGS), UID SEARCH UNSEEN, SEARCH HEADER Subject quarterly, SEARCH BODY
#     zanzibar (one message in 100), SEARCH TEXT of one Message-ID, FETCH
#     BODY.PEEK[HEADER.FIELDS (From Subject Date)] of the last 500, SORT (REVERSE
#     DATE), SORT (SUBJECT) and THREAD REFERENCES of the whole mailbox;
#  5. with --with-dovecot: a private Dovecot (start-dovecot.sh, LOGIN_MODE=performance,
#     its own PEERS directory and ports) with the Maildir as test1's INBOX, steps 3
#     and 4 against it, and the Tern/Dovecot ratio of each time.
set -euo pipefail

MESSAGES=100000
RUNS=3
SESSIONS=10
WITH_DOVECOT=0
REUSE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-dovecot) WITH_DOVECOT=1 ;;
    --messages) MESSAGES=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --sessions) SESSIONS=$2; shift ;;
    --reuse) REUSE=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENT=$ROOT/Benchmarks/large_mailbox_client.py
PEER_SCRIPTS=${PEER_SCRIPTS:-/work/shared/peers}
if [ -z "${TERN:-}" ]; then
  (cd "$ROOT" && timeout 3600 swift build -c release --product tern --scratch-path .build-release >&2)
  TERN=$ROOT/.build-release/release/tern
fi
BENCH_NAME=tern-large-mailbox-bench
# shellcheck source=Benchmarks/bench-common.sh
. "$(dirname "$0")/bench-common.sh"
# Dovecot's mail processes (user peermail) must reach the Maildir below WORK.
chmod 755 "$WORK"

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

[authentication]
allow_cleartext = true

[http]
listener = []

[logging]
level = "warning"
format = "text"
TOML

PASS=bench-password-1
if [ "$REUSE" = 1 ]; then
  [ -d "$WORK/data" ] || { echo "--reuse needs WORK=DIR of a previous run" >&2; exit 2; }
  # The previous run's data directory and, for Dovecot, its Maildir stay.
fi
DOVECOT_MAILDIR=""
if [ "$WITH_DOVECOT" = 1 ]; then DOVECOT_MAILDIR="--maildir $WORK/maildir"; fi
if [ "$REUSE" = 0 ]; then
  echo "== making $MESSAGES messages"
  # shellcheck disable=SC2086
  timeout 1800 python3 "$CLIENT" make --count "$MESSAGES" --mbox "$WORK/bench.mbox" $DOVECOT_MAILDIR

  timeout 60 "$TERN" domain add bench.test --config "$CONFIG" >/dev/null 2>&1
  HASH=$(openssl passwd -6 "$PASS")
  echo "bench@bench.test:{SHA512-CRYPT}$HASH" > "$WORK/users.passwd"
  timeout 120 "$TERN" account import-passwd "$WORK/users.passwd" --config "$CONFIG" >/dev/null
  echo "== tern import mbox"
  start=$(date +%s.%N)
  timeout 7200 "$TERN" import mbox "$WORK/bench.mbox" --account bench@bench.test --config "$CONFIG" >"$WORK/import.log" 2>&1
  end=$(date +%s.%N)
  python3 -c "print('SUMMARY label=tern-import messages=$MESSAGES seconds=%.1f messages_per_s=%.0f' % ($end - $start, $MESSAGES / ($end - $start)))" \
    | tee "$WORK/tern-import.out"
fi

"$TERN" serve --config "$CONFIG" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1',$IMAP),1)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done

echo "== Tern: $SESSIONS sessions holding INBOX selected"
timeout 1800 python3 "$CLIENT" hold --port "$IMAP" --user bench@bench.test --password "$PASS" \
  --sessions "$SESSIONS" --pid "$SERVER_PID" --label tern-hold | tee "$WORK/tern-hold.out"
echo "== Tern: timings"
timeout 3600 python3 "$CLIENT" measure --port "$IMAP" --user bench@bench.test --password "$PASS" \
  --runs "$RUNS" --label tern | tee "$WORK/tern-measure.out"

kill -TERM "$SERVER_PID"; for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

if [ "$WITH_DOVECOT" = 1 ]; then
  export PEERS=$WORK/peers
  DIMAP=$(free_port)
  echo "== Dovecot (performance login mode) on $DIMAP"
  mkdir -p "$PEERS/mail/test1"
  LOGIN_MODE=performance NUSERS=1 timeout 120 bash "$PEER_SCRIPTS/start-dovecot.sh" "$DIMAP" "$(free_port)" \
    "$(free_port)" "$(free_port)" "$(free_port)" </dev/null >"$WORK/dovecot-start.log" 2>&1 \
    || { cat "$WORK/dovecot-start.log" >&2; exit 1; }
  stop_dovecot() { timeout 60 bash "$PEER_SCRIPTS/stop-dovecot.sh" >/dev/null 2>&1 || true; }
  trap 'stop_dovecot; cleanup' EXIT
  # A reused WORK may still hold the Maildir (an earlier run stopped before this).
  if [ -d "$WORK/maildir" ]; then rm -rf "$PEERS/mail/test1/Maildir"; mv "$WORK/maildir" "$PEERS/mail/test1/Maildir"; fi
  chown -R peermail:peermail "$PEERS/mail"
  DOVECOT_PID=$(cat "$PEERS/dovecot/run/master.pid")
  echo "== Dovecot: $SESSIONS sessions holding INBOX selected"
  timeout 1800 python3 "$CLIENT" hold --port "$DIMAP" --user test1 --password pass \
    --sessions "$SESSIONS" --pid "$DOVECOT_PID" --label dovecot-hold | tee "$WORK/dovecot-hold.out"
  echo "== Dovecot: timings"
  timeout 3600 python3 "$CLIENT" measure --port "$DIMAP" --user test1 --password pass \
    --runs "$RUNS" --label dovecot | tee "$WORK/dovecot-measure.out"
  echo "== ratios Tern / Dovecot (best of $RUNS)"
  for step in status select fetch_flags search_unseen search_header_subject search_body_rare search_text_message_id fetch_headers_last_500 \
              sort_reverse_date sort_subject thread_references; do
    t=$(summary_field "$WORK/tern-measure.out" "${step}_best"); d=$(summary_field "$WORK/dovecot-measure.out" "${step}_best")
    python3 -c "print('%-24s Tern %8.4f s  Dovecot %8.4f s  ratio %.2f' % ('$step', $t, $d, $t / max($d, 1e-6)))"
  done
fi

echo "== summary"
for f in "$WORK"/*.out; do grep SUMMARY "$f"; done
