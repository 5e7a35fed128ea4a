#!/usr/bin/env bash
# The test command (`make test`): the suite on SQLite, then on PostgreSQL + Redis when reachable.
set -euo pipefail
cd "$(dirname "$0")/../backend"
PY=../.venv/bin/python
PG_ADMIN_URL=${TEST_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export TEST_PG_ADMIN_URL=$PG_ADMIN_URL TEST_REDIS_URL=$REDIS_URL

reachable() {
  "$PY" - "$1" "$2" <<'PY'
import sys
kind, url = sys.argv[1], sys.argv[2]
try:
    if kind == "pg":
        import psycopg
        psycopg.connect(url, connect_timeout=3).close()
    else:
        import redis
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
except Exception as exc:  # noqa: BLE001
    print(f"{kind} unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

status=0
echo "=== pass 1/2: SQLite ==="
TEST_DATABASE=sqlite "$PY" -m pytest "$@" || status=$?

if reachable pg "$PG_ADMIN_URL"; then
  if ! reachable redis "$REDIS_URL"; then
    echo "NOTE: Redis is not reachable at $REDIS_URL: Redis/Celery tests are skipped in pass 2."
  fi
  echo "=== pass 2/2: PostgreSQL ==="
  TEST_DATABASE=postgresql "$PY" -m pytest "$@" || status=$?
else
  echo "NOTE: PostgreSQL is not reachable at $PG_ADMIN_URL: the PostgreSQL pass was SKIPPED."
fi
exit "$status"
