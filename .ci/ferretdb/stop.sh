#!/usr/bin/env bash
# Stops the FerretDB that start.sh started (by the pid it wrote) and removes its data; does
# nothing if none is running.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pid_file="$here/server.pid"

if [[ ! -f "$pid_file" ]]; then
  exit 0
fi
pid="$(cat "$pid_file")"
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  echo "ferretdb: stopped (pid $pid)" >&2
fi
rm -f "$pid_file" "$here/server.port"
rm -rf "$here/data"
