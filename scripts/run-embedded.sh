#!/usr/bin/env bash
# `make run`: the web server plus a real Celery worker with an embedded beat scheduler.
# With no CELERY_BROKER_URL the broker is kombu's filesystem transport under var/broker,
# so scheduled jobs run exactly as in production, without Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var/log
source scripts/demo-env.sh
# DEBUG off: WhiteNoise serves the collected (hashed) static files.
.venv/bin/python manage.py collectstatic --noinput -v0

.venv/bin/celery -A config worker --beat --pool=solo --loglevel=INFO \
  --schedule var/celerybeat-schedule >var/log/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM

echo "后台任务进程已启动 (pid $WORKER, 日志 var/log/worker.log) / background jobs running"
echo "打开 http://$HOST:$PORT/  (Ctrl-C 退出 / to stop)"
.venv/bin/python manage.py runserver "$HOST:$PORT"
