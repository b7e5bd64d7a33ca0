#!/usr/bin/env bash
# Runs the public MCP conformance checks that apply to any server against `agent-boss serve`.
#
#   scripts/conformance.sh            # build first with: npm run build
#   SCENARIOS="ping tools-list" scripts/conformance.sh
#
# Starts the built CLI on a free port with a throw-away data directory and a private tmux socket,
# runs `@modelcontextprotocol/conformance@0.1.13 server --url http://127.0.0.1:PORT/mcp --scenario X`
# for each scenario (0.1.13: later versions crash on Node 20), then stops the server and removes
# what it created. Exits non-zero when any scenario fails.
set -euo pipefail

cd "$(dirname "$0")/.."
CONFORMANCE="${CONFORMANCE:-@modelcontextprotocol/conformance@0.1.13}"
SCENARIOS="${SCENARIOS:-server-initialize ping tools-list dns-rebinding-protection}"

if [[ ! -f dist/cli.js ]]; then
  echo "dist/cli.js is missing: run 'npm run build' first" >&2
  exit 2
fi

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/agent-boss-conformance-XXXXXX")"
socket="boss-conformance-$$"
log="$data_dir/serve.log"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  tmux -L "$socket" kill-server >/dev/null 2>&1 || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$socket"  # tmux leaves its socket file behind
  rm -rf "$data_dir"
}
trap cleanup EXIT INT TERM

node dist/cli.js serve --port 0 --data-dir "$data_dir" --tmux-socket "$socket" 2>"$log" &
server_pid=$!

port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's#^agent-boss listening on http://[^ ]*:\([0-9][0-9]*\)$#\1#p' "$log" | head -n 1)"
  [[ -n "$port" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "agent-boss serve exited before listening:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "agent-boss serve did not print its port in time:" >&2
  cat "$log" >&2
  exit 1
fi
url="http://127.0.0.1:$port/mcp"
echo "agent-boss serve at $url"

failed=0
for scenario in $SCENARIOS; do
  echo "=== $scenario"
  if ! npx -y "$CONFORMANCE" server --url "$url" --scenario "$scenario"; then
    failed=1
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "conformance: at least one scenario failed" >&2
  exit 1
fi
echo "conformance: all scenarios passed"
