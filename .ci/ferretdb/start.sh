#!/usr/bin/env bash
# Starts FerretDB (SQLite backend) as a second, independent MongoDB-compatible server for tests.
#   .ci/ferretdb/start.sh [PORT]     (default: a free port)
# Builds FerretDB on first use from the Go module proxy (Go needed; about a minute on 2 cores) and
# keeps the binary in .ci/ferretdb/bin/ and in ~/.cache/arbor-ci/ (so a fresh clone on the same
# machine reuses it). Starts the server in the background with its data in a fresh directory, waits
# until it answers a ping, writes its pid to .ci/ferretdb/server.pid and prints one line on stdout:
#   MONGODB_URI_FERRETDB=mongodb://127.0.0.1:PORT/
# Progress goes to stderr. Stop it with .ci/ferretdb/stop.sh.
# Exit status 3: no binary and no Go toolchain to build one (.ci/run then skips FerretDB, loudly);
# any other failure (a build that fails, a server that does not answer) is status 1.
set -euo pipefail

version="v1.24.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="$here/bin"
bin="$bin_dir/ferretdb-$version"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/arbor-ci"
cached="$cache_dir/ferretdb-$version"
pid_file="$here/server.pid"
port_file="$here/server.port"
log_file="$here/server.log"
data_dir="$here/data"

say() { echo "ferretdb: $*" >&2; }

if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  say "already running (pid $(cat "$pid_file"))"
  echo "MONGODB_URI_FERRETDB=mongodb://127.0.0.1:$(cat "$port_file")/"
  exit 0
fi

go_cmd="$(command -v go || true)"
if [[ -z "$go_cmd" && -x /usr/local/go/bin/go ]]; then go_cmd=/usr/local/go/bin/go; fi

build() {
  if [[ -z "$go_cmd" ]]; then
    say "no Go toolchain found (go on PATH or /usr/local/go/bin/go)"
    say "fix: install Go 1.22 or newer, or copy a ferretdb $version binary to $bin"
    exit 3
  fi
  local started=$SECONDS work module_dir
  say "building FerretDB $version with $("$go_cmd" version | cut -d' ' -f3) (first use; about a minute)"
  module_dir="$("$go_cmd" mod download -json "github.com/FerretDB/FerretDB@$version" |
    node -e 'let s="";process.stdin.on("data",(c)=>(s+=c)).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})')"
  work="$(mktemp -d)"
  # The module cache is read-only; the build needs build/version/version.txt, which the module
  # lacks (without it the binary panics at start).
  cp -r "$module_dir" "$work/src"
  chmod -R u+w "$work/src"
  echo "$version" >"$work/src/build/version/version.txt"
  mkdir -p "$bin_dir"
  (cd "$work/src" && GOFLAGS=-buildvcs=false "$go_cmd" build -trimpath -o "$bin.tmp" ./cmd/ferretdb) >&2
  mv "$bin.tmp" "$bin"
  rm -rf "$work"
  say "built $bin in $((SECONDS - started)) s"
}

if [[ ! -x "$bin" ]]; then
  if [[ -x "$cached" ]]; then
    mkdir -p "$bin_dir"
    cp "$cached" "$bin"
    say "using the cached build $cached"
  else
    build
  fi
fi
if [[ ! -x "$cached" ]]; then
  mkdir -p "$cache_dir" && cp "$bin" "$cached.tmp" && mv "$cached.tmp" "$cached" || say "could not cache the binary in $cache_dir (not fatal)"
fi

port="${1:-}"
if [[ -z "$port" ]]; then
  port="$(node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})")"
fi

rm -rf "$data_dir"
mkdir -p "$data_dir/sqlite" "$data_dir/state"
say "starting $version on 127.0.0.1:$port (data: $data_dir, log: $log_file)"
nohup "$bin" \
  --handler=sqlite \
  --sqlite-url="file:$data_dir/sqlite/" \
  --state-dir="$data_dir/state" \
  --listen-addr="127.0.0.1:$port" \
  --debug-addr=- \
  --telemetry=disable \
  --log-level=warn \
  </dev/null >"$log_file" 2>&1 &
pid=$!
echo "$pid" >"$pid_file"
echo "$port" >"$port_file"

uri="mongodb://127.0.0.1:$port/"
deadline=$((SECONDS + 60))
until node "$here/../mongo-server/ping.mjs" "$uri" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    say "server exited; last lines of its log:"
    tail -n 20 "$log_file" >&2 || true
    rm -f "$pid_file" "$port_file"
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    say "no answer on $uri after 60 s; stopping it"
    kill "$pid" 2>/dev/null || true
    rm -f "$pid_file" "$port_file"
    exit 1
  fi
  sleep 0.5
done

say "ready (pid $pid)"
echo "MONGODB_URI_FERRETDB=$uri"
