#!/usr/bin/env bash
# `make run`: the web server, a Celery worker and a Celery beat, as three supervised processes.
# With no CELERY_BROKER_URL the broker is kombu's filesystem transport under var/broker,
# so scheduled jobs run exactly as in production, without Redis.
#
# Beat is its own process, never a child of the worker (an embedded beat outlived its
# worker and, after a restart, doubled every scheduled job). Each process runs in a process
# group of its own whose id is written under var/run/: on exit (Ctrl-C, TERM, an error) the
# trap stops every group, and a start after a crash (the script killed with -9, so no trap
# ran) first stops whatever the last run left behind. A worker or beat that dies is started
# again; the web server ending ends everything. Even two beats send a job once per slot
# (config/beat.py), so an orphan that escapes all this still doubles nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
VENV=${VENV:-.venv}
VAR=${APP_VAR_DIR:-var}
RUN="$VAR/run"
LOG="$VAR/log"
mkdir -p "$RUN" "$LOG"
source scripts/demo-env.sh
# DEBUG off: WhiteNoise serves the collected (hashed) static files.
"$VENV/bin/python" manage.py collectstatic --noinput -v0

# Stop a process group: TERM to its leader (a Celery worker then finishes its job and stops
# its pool itself; the whole group for the web server and its autoreloader), up to 20 s,
# then KILL to the whole group.
stop_group() {
  local pgid=$1 target=$1
  [[ ${2:-} == whole ]] && target="-$1"
  kill -0 -- "-$pgid" 2>/dev/null || return 0
  kill -TERM -- "$target" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 -- "-$pgid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}

stop_all() {
  trap - EXIT INT TERM
  for name in web beat worker; do
    if [[ -f "$RUN/$name.pgid" ]]; then
      stop_group "$(cat "$RUN/$name.pgid")" "$([[ $name == web ]] && echo whole)"
      rm -f "$RUN/$name.pgid"
    fi
  done
}

# What a crashed run left behind goes first: no orphan beat or worker survives a restart.
for name in web beat worker; do
  if [[ -f "$RUN/$name.pgid" ]]; then
    pgid=$(cat "$RUN/$name.pgid")
    if kill -0 -- "-$pgid" 2>/dev/null; then
      echo "停止上次运行遗留的 $name 进程组 $pgid / stopping the $name left by the last run"
      stop_group "$pgid" "$([[ $name == web ]] && echo whole)"
    fi
    rm -f "$RUN/$name.pgid"
  fi
done
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# start NAME COMMAND...: in a new session (its own process group), logging to var/log/NAME.log
# (the web server's requests stay on the terminal).
start() {
  local name=$1
  shift
  if [[ $name == web ]]; then
    setsid "$@" &
  else
    setsid "$@" >>"$LOG/$name.log" 2>&1 &
  fi
  echo $! >"$RUN/$name.pgid"  # setsid execs the command: its pid is the group's id
}

# prefork with one child, not solo: time limits and the per-child memory cap need a pool
# that can replace its child.
start_worker() { start worker "$VENV/bin/celery" -A config worker --concurrency=1 --loglevel=INFO; }
start_beat() { start beat "$VENV/bin/celery" -A config beat --schedule "$VAR/celerybeat-schedule" --loglevel=INFO; }

start_worker
start_beat
start web "$VENV/bin/python" manage.py runserver "$HOST:$PORT"
echo "后台任务: worker (日志 $LOG/worker.log) 与 beat ($LOG/beat.log) / background jobs running"
echo "打开 http://$HOST:$PORT/  (Ctrl-C 退出 / to stop)"

while true; do
  sleep 2
  kill -0 "$(cat "$RUN/web.pgid")" 2>/dev/null || { echo "web server stopped"; exit 1; }
  if ! kill -0 "$(cat "$RUN/worker.pgid")" 2>/dev/null; then
    echo "worker 已退出，重新启动 / worker exited, starting it again"
    stop_group "$(cat "$RUN/worker.pgid")"
    start_worker
  fi
  if ! kill -0 "$(cat "$RUN/beat.pgid")" 2>/dev/null; then
    echo "beat 已退出，重新启动 / beat exited, starting it again"
    stop_group "$(cat "$RUN/beat.pgid")"
    start_beat
  fi
done
