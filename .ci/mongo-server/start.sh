#!/usr/bin/env bash
# Starts mongo-java-server (in memory) as a MongoDB stand-in for tests.
#   .ci/mongo-server/start.sh [PORT]     (default: a free port)
# Installs the jars on first use (Maven Central), starts the server in the background, waits until
# it answers a ping, writes its pid to .ci/mongo-server/server.pid and prints one line on stdout:
#   MONGODB_URI=mongodb://127.0.0.1:PORT
# Progress goes to stderr. Stop it with .ci/mongo-server/stop.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/lib"
pid_file="$here/server.pid"
port_file="$here/server.port"
log_file="$here/server.log"

say() { echo "mongo-server: $*" >&2; }

if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  say "already running (pid $(cat "$pid_file"))"
  echo "MONGODB_URI=mongodb://127.0.0.1:$(cat "$port_file")"
  exit 0
fi

if ! compgen -G "$lib/mongo-java-server-*.jar" >/dev/null; then
  say "installing mongo-java-server into $lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" >&2
fi

port="${1:-}"
if [[ -z "$port" ]]; then
  port="$(node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})")"
fi

say "starting on 127.0.0.1:$port (log: $log_file)"
nohup java -cp "$lib/*" "$here/Launcher.java" "$port" </dev/null >"$log_file" 2>&1 &
pid=$!
echo "$pid" >"$pid_file"
echo "$port" >"$port_file"

uri="mongodb://127.0.0.1:$port"
deadline=$((SECONDS + 60))
until node "$here/ping.mjs" "$uri" 2>/dev/null; do
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
echo "MONGODB_URI=$uri"
