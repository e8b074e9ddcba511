#!/usr/bin/env bash
# Make sure the local PostgreSQL and Redis the tests talk to are running; start them if not.
# Never skips silently: if a service can't be started, say which one and fail.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  fi
  pg_up || { echo "error: PostgreSQL is not running on 127.0.0.1:5432 and could not be started (apt-get install postgresql)" >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  fi
  redis_up || { echo "error: Redis is not running on 127.0.0.1:6379 and could not be started (apt-get install redis-server)" >&2; exit 1; }
fi
echo "services: PostgreSQL and Redis are up"
