#!/usr/bin/env bash
# Prove the README's first step on a clean clone: `make venv` (system
# packages when missing, then the venv from the hashed lock file) with a
# venv and a pip cache of its own, then Django's checks and one test file.
# Usage: scripts/bootstrap_check.sh [GIT_REF]   (default HEAD)
set -euo pipefail
cd "$(dirname "$0")/.."

REF="${1:-HEAD}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/issuer-bootstrap.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

git clone --quiet --no-local --no-checkout . "$WORK/clone"
git -C "$WORK/clone" checkout --quiet "$(git rev-parse "$REF")"
cd "$WORK/clone"
started=$(date +%s)
env -u VIRTUAL_ENV PIP_CACHE_DIR="$WORK/pip-cache" PIP_NO_INPUT=1 make venv
echo "bootstrap: make venv took $(( $(date +%s) - started )) s"
.venv/bin/python manage.py check --fail-level WARNING
.venv/bin/python -m pytest -q -p no:cacheprovider ledger/tests/test_entries.py
echo "bootstrap: OK"
