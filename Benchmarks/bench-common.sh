# Shared by the benchmark scripts (sourced, not run): scratch directory,
# server clean-up on exit, free loopback ports, SUMMARY field parsing.
# Expects WORK (may be empty: a new mktemp -d is made and removed at exit)
# and BENCH_NAME (used in the scratch directory's name).

OWN_WORK=0
if [ -z "${WORK:-}" ]; then WORK=$(mktemp -d "/tmp/${BENCH_NAME:-tern-bench}.XXXXXX"); OWN_WORK=1; fi
mkdir -p "$WORK"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$OWN_WORK" = 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
summary_field() { sed -n "s/.*SUMMARY.* $2=\([0-9.]*\).*/\1/p" "$1" | tail -1; }
