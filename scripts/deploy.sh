#!/usr/bin/env bash
# Deploy (or update) the platform on this host with Docker Compose:
#   scripts/deploy.sh                 check prerequisites, prepare, build, start, migrate, admin
#   scripts/deploy.sh --prepare-only  only create .env (random secrets) and the certificate
# Idempotent: an existing .env, certificate, database or admin is kept.
# Settings: HEALTH_TIMEOUT (seconds to wait for health, default 300); COMPOSE (default: docker compose).
set -euo pipefail
cd "$(dirname "$0")/.."

HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-300}
COMPOSE_FILES=(-f docker-compose.yml -f docker-compose.prod.yml)
SECRET_VARS=(POSTGRES_PASSWORD REDIS_PASSWORD SECRET_KEY JWT_SECRET_KEY GRAFANA_ADMIN_PASSWORD)
CERT_DIR=nginx/certs
PREPARE_ONLY=0

log() { printf '[deploy] %s\n' "$*" >&2; }
die() { printf '[deploy] ERROR: %s\n' "$*" >&2; exit 1; }

for arg in "$@"; do
  case "$arg" in
    --prepare-only) PREPARE_ONLY=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

check_prerequisites() {
  command -v openssl >/dev/null || die "openssl is required (certificate and secrets)"
  [ "$PREPARE_ONLY" = 1 ] && return 0
  command -v docker >/dev/null || die "Docker is not installed: https://docs.docker.com/engine/install/"
  docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable (is it running? are you in the docker group?)"
  if [ -n "${COMPOSE:-}" ]; then
    read -r -a COMPOSE_CMD <<< "$COMPOSE"
  elif docker compose version >/dev/null 2>&1; then
    COMPOSE_CMD=(docker compose)
  elif command -v docker-compose >/dev/null; then
    COMPOSE_CMD=(docker-compose)
  else
    die "Docker Compose is not installed (the docker compose plugin or docker-compose)"
  fi
}

compose() { "${COMPOSE_CMD[@]}" "${COMPOSE_FILES[@]}" "$@"; }

env_value() { sed -n "s/^$1=//p" .env | tail -n 1; }

# .env from the example; every empty secret gets 64 random hex characters (URL-safe).
create_env() {
  if [ ! -f .env ]; then
    [ -f .env.example ] || die ".env.example is missing"
    log "creating .env with random secrets"
    (umask 077 && cp .env.example .env)
  fi
  chmod 600 .env
  local name value
  for name in "${SECRET_VARS[@]}"; do
    grep -q "^$name=" .env || printf '%s=\n' "$name" >> .env
    if [ -z "$(env_value "$name")" ]; then
      sed -i "s/^$name=\$/$name=$(openssl rand -hex 32)/" .env
    fi
    value=$(env_value "$name")
    [ "${#value}" -ge 32 ] || die "$name in .env is shorter than 32 characters"
    case "$value" in
      *your_*|*_here|*password_123|change*me*) die "$name in .env is a placeholder" ;;
    esac
  done
}

# A self-signed certificate for DOMAIN when none is mounted (replace it with a real one).
create_certificate() {
  [ -f "$CERT_DIR/cert.pem" ] && [ -f "$CERT_DIR/key.pem" ] && return 0
  local domain
  domain=$(env_value DOMAIN)
  domain=${domain:-localhost}
  log "creating a self-signed certificate for $domain in $CERT_DIR/ (replace it with your own)"
  mkdir -p "$CERT_DIR"
  (umask 077 && openssl req -x509 -nodes -newkey rsa:2048 -days 825 -sha256 \
    -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
    -keyout "$CERT_DIR/key.pem" -out "$CERT_DIR/cert.pem" 2>/dev/null)
  chmod 644 "$CERT_DIR/cert.pem"
}

prepare_storage() {
  local root
  root=$(env_value DATA_ROOT)
  root=${root:-./data}
  mkdir -p "$root/datasets" "$root/models" "$root/logs/nginx"
  # The application containers run as uid 10001.
  if [ "$(id -u)" = 0 ]; then
    chown 10001:10001 "$root/datasets" "$root/models" "$root/logs"
  else
    log "not root: make $root/{datasets,models,logs} writable by uid 10001 if the containers cannot write"
  fi
}

# Wait until every container of the services is healthy (polls; bounded by HEALTH_TIMEOUT).
wait_healthy() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) service ids id state pending
  log "waiting for $* to be healthy"
  while :; do
    pending=""
    for service in "$@"; do
      ids=$(compose ps -q "$service")
      [ -n "$ids" ] || { pending="$pending $service(no container)"; continue; }
      for id in $ids; do
        state=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
        case "$state" in
          healthy) ;;
          exited|dead) die "$service stopped; see: ${COMPOSE_CMD[*]} logs $service" ;;
          *) pending="$pending $service($state)" ;;
        esac
      done
    done
    [ -z "$pending" ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || die "not healthy after ${HEALTH_TIMEOUT}s:$pending"
    sleep 2
  done
}

main() {
  check_prerequisites
  create_env
  create_certificate
  prepare_storage
  if [ "$PREPARE_ONLY" = 1 ]; then
    log "prepared .env and the certificate"
    return 0
  fi
  log "building images"
  compose build
  log "starting PostgreSQL and Redis"
  compose up -d postgres redis
  wait_healthy postgres redis
  log "migrating the database"
  compose run --rm migrate
  log "starting the platform"
  local replicas
  replicas=$(env_value BACKEND_REPLICAS)
  compose up -d --remove-orphans --scale "backend=${replicas:-2}"
  wait_healthy backend frontend
  # nginx resolves `backend` to the replicas' addresses when it (re)loads: recreated or added
  # replicas have new addresses, so reload it (gracefully) now that they are healthy.
  compose exec -T nginx nginx -s reload
  wait_healthy nginx
  log "creating the admin account (the password is printed once, below; it is not logged)"
  compose run --rm --no-deps -T backend python -m app.scripts.create_admin
  local port domain
  port=$(env_value HTTPS_PORT)
  domain=$(env_value DOMAIN)
  [ "${port:-443}" = 443 ] && port=""
  log "done: https://${domain:-localhost}${port:+:$port}/"
}

main
