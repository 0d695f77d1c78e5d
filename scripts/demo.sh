#!/usr/bin/env bash
# Set up and run the whole product on the embedded default: SQLite,
# in-process tasks, demo data. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=issuer.settings.local
PY=.venv/bin/python
PORT="${PORT:-8000}"

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput --verbosity 0
$PY manage.py seed_demo

echo
echo "Staff admin:  http://127.0.0.1:${PORT}/admin/"
echo "API docs:     http://127.0.0.1:${PORT}/api/docs/"
echo "Health:       http://127.0.0.1:${PORT}/healthz"
exec $PY -m gunicorn issuer.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
    --access-logfile - --log-level warning
