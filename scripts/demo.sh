#!/usr/bin/env bash
# Set up and run the whole product on the embedded default: SQLite,
# in-process tasks, demo data, a trained fraud model and live simulated
# traffic through the partner API. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=issuer.settings.local
PY=.venv/bin/python
PORT="${PORT:-8000}"
RATE="${DEMO_TRAFFIC_RATE:-2}"
HISTORY=var/demo-history.csv.gz
mkdir -p var

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput --verbosity 0
$PY manage.py seed_demo

if ! $PY manage.py shell -c "from fraud.selectors import model_version_active as a; raise SystemExit(0 if a() else 1)" 2>/dev/null; then
    echo "Training the first fraud model on simulated history (about a minute)..."
    [ -f "$HISTORY" ] || $PY manage.py simulate --output "$HISTORY" --days 28 --cards 1500 --seed 7
    $PY manage.py import_transactions "$HISTORY"
    VERSION=$($PY manage.py fraud_train --as-of 2026-01-28 | tail -n 1)
    $PY manage.py fraud_activate "$VERSION"
fi

LOGS=var/demo-logs
mkdir -p "$LOGS"
# Server and traffic write to files, so the block below stays the last thing
# on the terminal; emails go to files too (EMAIL_FILE_PATH, default var/mail).
$PY -m gunicorn issuer.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
    --log-level warning >"$LOGS/server.log" 2>&1 &
SERVER=$!
TRAFFIC=""
trap 'kill $SERVER $TRAFFIC 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 30); do
    curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
    sleep 1
done

# --feedback: the simulator answers alerts, the demo analyst decides most
# cases and missed fraud comes back as chargebacks: labels for the dashboards.
$PY manage.py simulate --live --url "http://127.0.0.1:${PORT}" --rate "$RATE" --cards 50 \
    --feedback --feedback-analyst analyst >"$LOGS/traffic.log" 2>&1 &
TRAFFIC=$!

echo "Live traffic: ${RATE} authorizations/s from the simulator (DEMO_TRAFFIC_RATE)."
$PY manage.py demo_summary --url "http://127.0.0.1:${PORT}" --logs "$LOGS/"
wait $SERVER
