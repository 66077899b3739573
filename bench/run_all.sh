#!/bin/sh
# Every figure of bench/RESULTS.md, in order (about 30 minutes on a 2-core machine).
# Each step is one command of under 10 minutes; logs go to bench/results/*.log.
set -e
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-appraisal.settings.local}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/appraisal_bench}"
PY=.venv/bin/python
mkdir -p bench/results
for N in 1000 2000; do
    $PY -m bench.generate --pms $N > bench/results/generate-$N.log
    $PY -m bench.compute --pms $N --runs 5 --profile --wait-quiet 1.5 > bench/results/compute-$N.log 2>&1
    # every result inserted anew (no digest to skip on): the write's worst case
    $PY -m bench.compute --pms $N --runs 5 --part time --fresh --wait-quiet 1.5 > bench/results/compute-$N-fresh.log 2>&1
done
$PY -m bench.generate --pms 10000 > bench/results/generate-10000.log
$PY -m bench.compute --pms 10000 --runs 5 --part time --profile --wait-quiet 1.5 > bench/results/compute-10000-time.log 2>&1
$PY -m bench.compute --pms 10000 --runs 5 --part memory --wait-quiet 1.5 > bench/results/compute-10000-memory.log 2>&1
$PY -m bench.compute --pms 10000 --report-only > bench/results/compute-10000.log
$PY -m bench.compute --pms 10000 --runs 5 --part time --fresh --wait-quiet 1.5 > bench/results/compute-10000-fresh.log 2>&1
# Page load (RESULTS.md, "Pages"): its own database, so the computation's is left as it
# was; about 6 minutes per size, wrk must be installed (apt-get install wrk).
PAGES_DATABASE_URL="${PAGES_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/appraisal_pages}"
for N in 1000 2000 10000; do
    DATABASE_URL=$PAGES_DATABASE_URL $PY -m bench.generate --pms $N > bench/results/generate-pages-$N.log
    DATABASE_URL=$PAGES_DATABASE_URL $PY -m bench.pages --pms $N --runs 5 > bench/results/pages-$N-run.log 2>&1
done
