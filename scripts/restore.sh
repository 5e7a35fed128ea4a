#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: verify the manifest, then restore the database
# and the datasets/models folders, then verify every restored file's checksum.
#   scripts/restore.sh [--yes] BACKUP_FOLDER
# Same modes and settings as backup.sh: DATABASE_URL set -> direct (the database is created
# when missing); otherwise through docker compose (the API and workers are stopped meanwhile).
# Files: DATA_ROOT (as in backup.sh), or DATASETS_DIR / MODELS_DIR. Current folders are kept
# beside the restored ones as <folder>.pre-restore-<time> until you delete them.
set -euo pipefail
umask 077

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
log() { printf '[restore] %s\n' "$*" >&2; }
die() { printf '[restore] ERROR: %s\n' "$*" >&2; exit 1; }

ASSUME_YES=${ASSUME_YES:-0}
SOURCE=""
while [ $# -gt 0 ]; do
  case "$1" in
    -y|--yes) ASSUME_YES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$SOURCE" ] || die "one backup folder only"; SOURCE=$1; shift ;;
  esac
done
[ -n "$SOURCE" ] || { usage; exit 2; }
[ -d "$SOURCE" ] || die "no such backup folder: $SOURCE"
SOURCE=$(cd "$SOURCE" && pwd)

REPO=$(cd "$(dirname "$0")/.." && pwd)
# DATA_ROOT from the deployment's .env (relative to the repository), else <repository>/data.
env_data_root() {
  local value=""
  if [ -f "$REPO/.env" ]; then value=$(sed -n 's/^DATA_ROOT=//p' "$REPO/.env" | tail -n 1); fi
  value=${value:-./data}
  case "$value" in /*) printf '%s' "$value" ;; *) printf '%s/%s' "$REPO" "${value#./}" ;; esac
}
DATA_ROOT=${DATA_ROOT:-$(env_data_root)}
DATASETS_DIR=${DATASETS_DIR:-$DATA_ROOT/datasets}
MODELS_DIR=${MODELS_DIR:-$DATA_ROOT/models}
read -r -a COMPOSE_CMD <<< "${COMPOSE:-docker compose}"
COMPOSE_CMD+=(--project-directory "$REPO" -f "$REPO/docker-compose.yml" -f "$REPO/docker-compose.prod.yml")
APP_SERVICES=(backend celery-worker celery-worker-labeling celery-beat)

libpq_url() { printf '%s' "${1/postgresql+psycopg:/postgresql:}"; }

verify_manifest() {
  [ -f "$SOURCE/MANIFEST.sha256" ] || die "$SOURCE has no MANIFEST.sha256: not a backup folder"
  local name
  for name in database.dump datasets.tar.gz datasets.sha256 models.tar.gz models.sha256; do
    grep -q "  $name\$" "$SOURCE/MANIFEST.sha256" || die "the manifest does not list $name"
  done
  (cd "$SOURCE" && sha256sum --quiet --strict -c MANIFEST.sha256) \
    || die "checksum mismatch in $SOURCE: the backup is damaged; nothing was restored"
  log "manifest verified"
}

# Direct mode: create the target database when it does not exist.
ensure_database() {
  local url query base name
  url=$(libpq_url "$DATABASE_URL")
  psql --dbname="$url" -tAc 'SELECT 1' >/dev/null 2>&1 && return 0
  query=""
  case "$url" in *\?*) query="?${url#*\?}"; url=${url%%\?*} ;; esac
  base=${url%/*}
  name=${url##*/}
  [ -n "$name" ] || die "DATABASE_URL names no database"
  log "creating database $name"
  # psql quotes the name as an identifier (variables are expanded in input, not in -c).
  printf '%s\n' 'CREATE DATABASE :"name";' \
    | psql --dbname="$base/postgres$query" -v ON_ERROR_STOP=1 -v name="$name" >/dev/null
}

restore_database() {
  local dump="$SOURCE/database.dump"
  log "restoring the database"
  if [ -n "${DATABASE_URL:-}" ]; then
    ensure_database
    pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
      --dbname="$(libpq_url "$DATABASE_URL")" "$dump"
  else
    # shellcheck disable=SC2016  # expanded by the container's shell, not this one
    "${COMPOSE_CMD[@]}" exec -T postgres sh -c \
      'exec pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction -U "$POSTGRES_USER" -d "$POSTGRES_DB"' \
      < "$dump"
  fi
}

# Extract next to the destination, verify every file, then swap the folders.
restore_folder() {
  local name=$1 dest=$2 stamp=$3 staging
  mkdir -p "$(dirname "$dest")"
  staging="$(dirname "$dest")/.$name.restore-$stamp"
  rm -rf -- "$staging"
  mkdir -p "$staging"
  tar -C "$staging" -xzf "$SOURCE/$name.tar.gz"
  if [ -s "$SOURCE/$name.sha256" ]; then
    (cd "$staging" && sha256sum --quiet --strict -c "$SOURCE/$name.sha256") \
      || die "restored $name files do not match the manifest; staged copy left in $staging"
  fi
  if [ -e "$dest" ]; then
    mv -- "$dest" "$dest.pre-restore-$stamp"
    log "previous $name folder kept as $dest.pre-restore-$stamp"
  fi
  mv -- "$staging" "$dest"
  log "$name restored ($(wc -l < "$SOURCE/$name.sha256") files, checksums verified)"
}

confirm() {
  [ "$ASSUME_YES" = 1 ] && return 0
  [ -t 0 ] || die "not a terminal: pass --yes to confirm overwriting the database and files"
  local answer
  read -r -p "This replaces the database and the datasets/models folders. Continue? [y/N] " answer
  case "$answer" in y|Y|yes|YES) ;; *) die "cancelled" ;; esac
}

main() {
  verify_manifest
  confirm
  local stamp
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  if [ -z "${DATABASE_URL:-}" ]; then
    log "stopping ${APP_SERVICES[*]} during the restore"
    "${COMPOSE_CMD[@]}" stop "${APP_SERVICES[@]}"
  fi
  restore_database
  restore_folder datasets "$DATASETS_DIR" "$stamp"
  restore_folder models "$MODELS_DIR" "$stamp"
  if [ -z "${DATABASE_URL:-}" ]; then
    "${COMPOSE_CMD[@]}" run --rm migrate
    "${COMPOSE_CMD[@]}" start "${APP_SERVICES[@]}"
  fi
  log "restore complete from $SOURCE"
}

main
