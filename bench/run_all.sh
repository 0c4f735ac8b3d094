#!/usr/bin/env bash
# Run every benchmark from the repository root; stops at the first one that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
"$python" -m bench.generate_traces
"$python" -m bench.import_speed
"$python" -m bench.log_import_speed
"$python" -m bench.query_speed
"$python" -m bench.render_speed
"$python" -m bench.rca_speed
"$python" -m bench.snapshot_size
"$python" -m bench.otlp_speed
"$python" -m bench.replicas_speed
"$python" -m bench.prometheus_speed
"$python" -m bench.slack_speed
"$python" -m bench.alert_speed
"$python" -m bench.alert_storm
"$python" -m bench.name_flood
"$python" -m bench.redaction_speed
"$python" -m bench.cli_speed
