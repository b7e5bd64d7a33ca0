#!/usr/bin/env bash
# Installs what the tests need when it is missing, then runs every test (`npm test`). The README's
# second command (`npm run test:all`) and CI (.ci/run) both run this, so the two cannot drift.
#   tmux        the sessions under test (private servers, never your default one)
#   sqlite3     the store's lock tests hold the database's write lock from a real sqlite3 shell
#   chromium    the dashboard's browser tests (playwright-core drives it; it never downloads a browser)
#   postgresql  the PostgreSQL store's tests start their own temporary cluster (initdb, pg_ctl) on a
#               private port; as root they run it as the package's postgres user
# System packages come from apt-get (Debian/Ubuntu), as root or through sudo; elsewhere install them
# yourself (BOSS_CHROMIUM may name another Chromium). The real Claude Code the tests drive is fetched
# into .cache/ by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
chromium="${BOSS_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || missing+=(chromium)
# PostgreSQL (the team store's tests): Debian's newest versioned bin directory (BOSS_PG_ROOT names another root).
pg_bin() {
  local d best='' v=0
  for d in "${BOSS_PG_ROOT:-/usr/lib/postgresql}"/*/bin; do
    [ -x "$d/initdb" ] || continue
    d="${d%/bin}"
    [[ "${d##*/}" =~ ^[0-9]+$ ]] && [ "${d##*/}" -ge "$v" ] && { v="${d##*/}"; best="$d/bin"; }
  done
  printf '%s' "$best"
}
{ [ -n "$(pg_bin)" ] || command -v initdb >/dev/null 2>&1; } || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test-all: installing ${missing[*]}" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  if ! command -v apt-get >/dev/null 2>&1 || { [ "${#sudo[@]}" -gt 0 ] && ! command -v sudo >/dev/null 2>&1; }; then
    echo "test-all: cannot install ${missing[*]} here (needs apt-get, as root or with sudo): install them, then run this again" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
tmux -V
sqlite3 --version
"$chromium" --version
{ [ -n "$(pg_bin)" ] && "$(pg_bin)/postgres" --version; } || initdb --version
node --version
npm --version

# better-sqlite3 compiles from source when no prebuilt binary is reachable: python3, make, g++.
if [ ! -d node_modules/better-sqlite3/build ]; then
  for tool in python3 make g++; do
    command -v "$tool" >/dev/null 2>&1 || { echo "test-all: $tool is required to build better-sqlite3" >&2; exit 1; }
  done
fi

if [ "${1:-}" = "--ci" ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm test
