#!/usr/bin/env bash
# Import benchmark on SQLite and on a throwaway PostgreSQL server started for the run.
#   bash benchmarks/import_speed.sh [--messages N ...]   (default: 1,000,000 and 5,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup >/dev/null
# shellcheck source=scripts/postgres
source scripts/postgres
trap pg_stop EXIT
export PALABRE_BENCH_POSTGRES_URL="$PALABRE_TEST_POSTGRES_URL"
args=("$@")
if [ ${#args[@]} -eq 0 ]; then args=(--messages 1000000 --messages 5000000); fi
.venv/bin/python benchmarks/import_speed.py --backend sqlite --backend postgresql "${args[@]}"
