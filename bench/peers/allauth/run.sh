#!/usr/bin/env bash
# Start the django-allauth peer: sync its own venv (.venv here), migrate, serve with gunicorn.
# Needs PEER_ISSUER, PEER_CLIENT_ID, PEER_CLIENT_SECRET (see peer/settings.py); PORT (default 8001),
# WORKERS (default 2), PEER_DATA_DIR (default: this directory).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${UV:-}" ]; then
    if [ -x ../../../.tools/bin/uv ]; then UV=../../../.tools/bin/uv; else UV=uv; fi
fi
export UV_PROJECT_ENVIRONMENT="$PWD/.venv"  # never the main project's .venv
"$UV" sync --frozen --quiet
.venv/bin/python manage.py migrate --noinput -v 0
exec .venv/bin/gunicorn peer.wsgi -w "${WORKERS:-2}" -b "127.0.0.1:${PORT:-8001}" \
    --error-logfile - --log-level warning
