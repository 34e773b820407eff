#!/usr/bin/env bash
# Starts `biomatch serve` on a temporary data directory and a free port, then runs the Node.js reflection
# client (installed here from the npm registry) against it. Needs node and npm.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT
(cd "$HERE" && npm install --silent --no-package-lock --no-audit --no-fund >/dev/null)
"$ROOT/biomatch" serve --data "$TMP/data" --port 0 --port-file "$TMP/port" >"$TMP/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do [ -s "$TMP/port" ] && break; sleep 0.5; done
[ -s "$TMP/port" ] || { echo "server did not start:"; cat "$TMP/serve.log"; exit 1; }
node "$HERE/check.mjs" "127.0.0.1:$(cat "$TMP/port")"
