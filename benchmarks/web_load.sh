#!/usr/bin/env bash
# Web load benchmark on SQLite and on a throwaway PostgreSQL server started for the run.
#   bash benchmarks/web_load.sh [web_load.py options]   (default: the demo at 1,000,000 messages)
# Installs wrk (Debian's package) first when it is missing, as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup bench >/dev/null
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = "0" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  else
    echo "wrk not found: install Debian's 'wrk' package" >&2
    exit 1
  fi
fi
# shellcheck source=scripts/postgres
source scripts/postgres
trap pg_stop EXIT
export PALABRE_BENCH_POSTGRES_URL="$PALABRE_TEST_POSTGRES_URL"
args=("$@")
has_backend=0
for a in "${args[@]+"${args[@]}"}"; do [ "$a" = "--backend" ] && has_backend=1; done
if [ "$has_backend" = 0 ]; then args+=(--backend sqlite --backend postgresql); fi
.venv/bin/python benchmarks/web_load.py "${args[@]}"
