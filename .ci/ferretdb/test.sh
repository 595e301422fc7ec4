#!/usr/bin/env bash
# Runs the MongoDB tests that are meaningful and cheap on a second MongoDB-compatible server against
# FerretDB: the store's own suites (its contract among them), the webhook delivery log, and the
# in-process engine and API suites (one run, workers sharing a run, budgets, written plans, a
# detached plan run worked by two workers), each only in its MongoDB
# variant (tests whose name says MongoDB). The suites that spawn arbor processes run on
# mongo-java-server only (npm test).
#   .ci/ferretdb/test.sh [more vitest arguments]
# Uses the FerretDB at MONGODB_URI_FERRETDB when set (as .ci/run sets it); otherwise starts one with
# start.sh and stops it afterwards (one that was running already is left running).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

suites=(
  src/store/mongodb/
  src/engine/run-engine.test.ts
  src/engine/shared-run.test.ts
  src/engine/run-engine-limits.test.ts
  src/engine/call-recorder.test.ts
  src/service/webhooks/webhook-delivery-log.test.ts
  test/api/plans-on-stores.test.ts
)

if [[ -z "${MONGODB_URI_FERRETDB:-}" ]]; then
  pid_file=.ci/ferretdb/server.pid
  if ! { [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }; then
    trap 'bash .ci/ferretdb/stop.sh' EXIT
  fi
  line="$(bash .ci/ferretdb/start.sh)"
  export "${line?}"
fi

echo "MongoDB suites on FerretDB at $MONGODB_URI_FERRETDB" >&2
MONGODB_URI="$MONGODB_URI_FERRETDB" npx vitest run "${suites[@]}" -t "[Mm]ongo" "$@"
