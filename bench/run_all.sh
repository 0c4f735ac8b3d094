#!/usr/bin/env bash
# Run every benchmark from the repository root; stops at the first one that fails. Their
# output is kept in /tmp/svcmap-bench/results.log (or $SVCMAP_BENCH_LOG), and at the end, also after a
# failure, one table of every figure against its target (bench.summary) is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
log=${SVCMAP_BENCH_LOG:-/tmp/svcmap-bench/results.log}
mkdir -p "$(dirname "$log")"
: > "$log"
trap '"$python" -m bench.summary "$log" || true' EXIT
run() { "$python" -m "$@" 2>&1 | tee -a "$log"; }
run bench.generate_traces
run bench.import_speed
run bench.log_import_speed
run bench.query_speed
run bench.risk_speed
run bench.render_speed
run bench.web_view_speed
run bench.rca_speed
run bench.rca_store_speed
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    # The same store copied into Postgres, as a large fleet keeps it.
    run bench.rca_store_speed --reuse --url \
        "${SVCMAP_BENCH_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
fi
run bench.snapshot_size
run bench.otlp_speed
run bench.replicas_speed
run bench.prometheus_speed
run bench.slack_speed
run bench.alert_speed
run bench.alert_storm
run bench.name_flood
run bench.redaction_speed
run bench.cli_speed
