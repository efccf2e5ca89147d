#!/bin/bash
# Outbound delivery benchmark: Tern sending to Tern over loopback SMTP, with
# MX lookups in a real DNS server (dnsmasq).
#
# usage: Benchmarks/outbound-bench.sh [--count 2000] [--connections 4] [--size 4096] [--tls opportunistic|none]
#                                     [--reuse SECONDS]  (A's idle_connection_seconds; 0: a connection per message)
#                                     [--per-host N]     (A's max_connections_per_host, default 20)
#   env TERN=path/to/tern   binary to measure (default: .build-release/release/tern, built with
#                           `swift build -c release --product tern --scratch-path .build-release`
#                           when missing; set REBUILD=1 to build it again)
#       WORK=DIR            scratch directory (default: a new mktemp -d, removed at the end)
#
# Setup (loopback only, every wait bounded): dnsmasq on a free port with
# d1.test … d20.test MX → mx.bench.test → 127.0.0.1; instance B (the remote,
# local domains d1…d20, one mailbox with catch-all aliases); instance A (the
# sender: submission with STARTTLS + AUTH, [outbound] nameserver = dnsmasq,
# port = B's MX port, poll_seconds = 1).
# Four runs, each COUNT messages of SIZE bytes (Benchmarks/outbound_bench_client.py):
#   stream-1   submitted over CONNECTIONS connections to 1 destination domain while A delivers;
#              messages/s from the first submission until the last arrival at B (POP3 STAT)
#   stream-20  the same, round robin over 20 destination domains
#   backlog-1  B stopped: COUNT messages wait in A's queue (deferred once); queue disk use and
#              A's memory are read; B started, `tern queue flush`; messages/s until all arrived
#   backlog-20 the same over 20 domains
# B answers 250 only once a message is durable in its mailbox, so "arrived" is "accepted".
# Each run also reports the SMTP connections B accepted from A (its /metrics): connection reuse.
set -euo pipefail

COUNT=2000
CONNECTIONS=4
SIZE=4096
TLS=opportunistic
REUSE=5
PER_HOST=20
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --size) SIZE=$2; shift ;;
    --tls) TLS=$2; shift ;;
    --reuse) REUSE=$2; shift ;;
    --per-host) PER_HOST=$2; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENT=$ROOT/Benchmarks/outbound_bench_client.py
if [ -z "${TERN:-}" ]; then
  if [ ! -x "$ROOT/.build-release/release/tern" ] || [ "${REBUILD:-0}" = 1 ]; then
    (cd "$ROOT" && timeout 3600 swift build -c release --product tern --scratch-path .build-release >&2)
  fi
  TERN=$ROOT/.build-release/release/tern
fi
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || { echo "dnsmasq is needed (apt-get install dnsmasq-base)" >&2; exit 1; }
BENCH_NAME=tern-outbound-bench
# shellcheck source=Benchmarks/bench-common.sh
. "$(dirname "$0")/bench-common.sh"

# SERVER_PID (bench-common) is the sender; these are stopped too.
REMOTE_PID=""
DNS_PID=""
stop_pid() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup_all() { stop_pid "$REMOTE_PID"; stop_pid "$DNS_PID"; cleanup; }
trap cleanup_all EXIT

wait_port() { # port pid log
  for _ in $(seq 1 600); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "port $1 never accepted" >&2; exit 1
}

PORTS=()
while [ "${#PORTS[@]}" -lt 6 ]; do
  p=$(free_port)
  case " ${PORTS[*]} " in *" $p "*) ;; *) PORTS+=("$p") ;; esac
done
DNS_PORT=${PORTS[0]} B_SMTP=${PORTS[1]} B_POP3=${PORTS[2]} A_SUBMISSION=${PORTS[3]} A_POP3=${PORTS[4]} B_HTTP=${PORTS[5]}

# --- DNS
DNS_ARGS=(--no-daemon --no-resolv --no-hosts --no-poll --listen-address=127.0.0.1 --port="$DNS_PORT"
          --bind-interfaces --pid-file= --local=/test/ --host-record=mx.bench.test,127.0.0.1)
for i in $(seq 1 20); do DNS_ARGS+=(--mx-host="d$i.test,mx.bench.test,10"); done
"$DNSMASQ" "${DNS_ARGS[@]}" >"$WORK/dnsmasq.log" 2>&1 &
DNS_PID=$!

# --- B, the remote
DOMAINS=$(for i in $(seq 1 20); do printf '"d%d.test", ' "$i"; done)
write_config() { # file data-dir protocol port domains host-name pop3-port outbound-lines http-listener
  cat > "$1" <<TOML
host_name = "$6"
local_domains = [$5]
data_directory = "$2"

[[listener]]
protocol = "$3"
address = "127.0.0.1"
port = $4
tls = "starttls"

[[listener]]
protocol = "pop3"
address = "127.0.0.1"
port = $7
tls = "starttls"

[limits]
max_connections = 500
max_connections_per_address = 200
idle_timeout_seconds = 600
max_message_size = 10485760

[http]
listener = [$9]

[logging]
level = "warning"
format = "text"

[outbound]
$8
TOML
}
mkdir -p "$WORK/remote" "$WORK/sender"
B_CONFIG=$WORK/remote/tern.toml
A_CONFIG=$WORK/sender/tern.toml
write_config "$B_CONFIG" "$WORK/remote/data" smtp "$B_SMTP" "${DOMAINS%, }" mx.bench.test "$B_POP3" "" \
  "{ address = \"127.0.0.1\", port = $B_HTTP, tls = \"none\" }"
BPASS=bench-password-1
for i in $(seq 1 20); do timeout 60 "$TERN" domain add "d$i.test" --config "$B_CONFIG" >/dev/null; done
echo "$BPASS" | timeout 60 "$TERN" account add bench@d1.test --password-stdin --config "$B_CONFIG" >/dev/null
for i in $(seq 2 20); do
  timeout 60 "$TERN" alias add "@d$i.test" bench@d1.test --config "$B_CONFIG" >/dev/null
done
start_remote() {
  "$TERN" serve --config "$B_CONFIG" >>"$WORK/remote/serve.log" 2>&1 &
  REMOTE_PID=$!
  wait_port "$B_SMTP" "$REMOTE_PID" "$WORK/remote/serve.log"
  wait_port "$B_POP3" "$REMOTE_PID" "$WORK/remote/serve.log"
}

# --- A, the sender
OUTBOUND="nameserver = \"127.0.0.1:$DNS_PORT\"
port = $B_SMTP
default_tls = \"$TLS\"
first_retry_seconds = 3600
max_retry_seconds = 3600
poll_seconds = 1
idle_connection_seconds = $REUSE
max_connections_per_host = $PER_HOST"
write_config "$A_CONFIG" "$WORK/sender/data" submission "$A_SUBMISSION" '"sender.test"' mail.sender.test "$A_POP3" "$OUTBOUND" ""
APASS=alice-password-1
timeout 60 "$TERN" domain add sender.test --config "$A_CONFIG" >/dev/null
echo "$APASS" | timeout 60 "$TERN" account add alice@sender.test --password-stdin --config "$A_CONFIG" >/dev/null
"$TERN" serve --config "$A_CONFIG" >"$WORK/sender/serve.log" 2>&1 &
SERVER_PID=$!
wait_port "$A_SUBMISSION" "$SERVER_PID" "$WORK/sender/serve.log"
start_remote

ARRIVED=0
# SMTP connections B has accepted since it started (its /metrics).
b_connections() {
  python3 -c "import urllib.request as u; t=u.urlopen('http://127.0.0.1:$B_HTTP/metrics',timeout=10).read().decode(); print(int(float([l.split()[-1] for l in t.splitlines() if l.startswith('tern_connections_total{protocol=\"smtp\"} ')][0])))"
}
rss_kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }

stream() { # label domains
  local label=$1 domains=$2 before
  before=$(b_connections)
  ARRIVED=$((ARRIVED + COUNT))
  timeout 900 python3 "$CLIENT" submit --port "$A_SUBMISSION" --user alice@sender.test --password "$APASS" \
    --domains "$domains" --count "$COUNT" --connections "$CONNECTIONS" --size "$SIZE" --label "$label" \
    | tee "$WORK/$label.submit"
  local since
  since=$(sed -n 's/.*start_epoch=\([0-9.]*\).*/\1/p' "$WORK/$label.submit")
  timeout 900 python3 "$CLIENT" wait --pop3-port "$B_POP3" --user bench@d1.test --password "$BPASS" \
    --count "$ARRIVED" --batch "$COUNT" --since "$since" --max-secs 600 --label "$label" | tee "$WORK/$label.wait"
  echo "SUMMARY $label smtp_connections=$(( $(b_connections) - before ))"
}

backlog() { # label domains
  local label=$1 domains=$2
  stop_pid "$REMOTE_PID"; REMOTE_PID=""
  ARRIVED=$((ARRIVED + COUNT))
  timeout 900 python3 "$CLIENT" submit --port "$A_SUBMISSION" --user alice@sender.test --password "$APASS" \
    --domains "$domains" --count "$COUNT" --connections "$CONNECTIONS" --size "$SIZE" --label "$label" \
    | tee "$WORK/$label.submit"
  # Until every recipient had its first (failed) attempt: none with 0 attempts.
  for _ in $(seq 1 600); do
    local fresh
    fresh=$(timeout 60 "$TERN" queue list --config "$A_CONFIG" | awk -F'  ' '$3 == "0"' | wc -l)
    [ "$fresh" = 0 ] && break
    sleep 0.5
  done
  local queued disk rss
  queued=$(timeout 60 "$TERN" queue list --config "$A_CONFIG" | grep -c '  queued  ' || true)
  disk=$(du -sk "$WORK/sender/data" | cut -f1)
  rss=$(rss_kib "$SERVER_PID" VmRSS)
  echo "SUMMARY $label queued=$queued sender_data_kib=$disk sender_rss_kib=$rss"
  start_remote
  local since
  since=$(date +%s.%N)
  timeout 60 "$TERN" queue flush --config "$A_CONFIG"
  timeout 900 python3 "$CLIENT" wait --pop3-port "$B_POP3" --user bench@d1.test --password "$BPASS" \
    --count "$ARRIVED" --batch "$COUNT" --since "$since" --max-secs 600 --label "$label" | tee "$WORK/$label.wait"
  echo "SUMMARY $label smtp_connections=$(b_connections)"
}

echo "== Tern → Tern, $COUNT × $SIZE B, $CONNECTIONS submission connections, TLS $TLS, reuse $REUSE s, $PER_HOST connections per host ($TERN)"
stream stream-1 1
stream stream-20 20
backlog backlog-1 1
backlog backlog-20 20
echo "== sender peak RSS: $(rss_kib "$SERVER_PID" VmHWM) KiB; sender data directory: $(du -sk "$WORK/sender/data" | cut -f1) KiB"
echo "== summary"
cat "$WORK"/*.submit "$WORK"/*.wait 2>/dev/null | grep SUMMARY || true
