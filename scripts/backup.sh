#!/usr/bin/env bash
# Back up the platform: a pg_dump (custom format) plus archives of datasets and models, with a
# checksummed manifest, into BACKUP_DIR/tp-backup-<UTC time>/; prunes backups older than
# RETENTION_DAYS. Restore with scripts/restore.sh <that folder>.
#
# Modes:  DATABASE_URL set  -> pg_dump/psql on this machine talk to that database directly;
#         otherwise         -> through docker compose (pg_dump runs inside the postgres service).
# Settings (environment or flags):
#   --dest DIR / BACKUP_DIR        where backups go            (default: <repository>/backups)
#   --retention-days N / RETENTION_DAYS  keep this many days   (default: 7; 0 = keep all)
#   DATA_ROOT                      folder with datasets/ and models/ (default: DATA_ROOT
#                                  of the repository's .env, else <repository>/data)
#   DATASETS_DIR, MODELS_DIR       override the two folders individually
#   COMPOSE                        compose command for compose mode (default: docker compose)
set -euo pipefail
umask 077

REPO=$(cd "$(dirname "$0")/.." && pwd)
BACKUP_DIR=${BACKUP_DIR:-$REPO/backups}
RETENTION_DAYS=${RETENTION_DAYS:-7}

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
log() { printf '[backup] %s\n' "$*" >&2; }
die() { printf '[backup] ERROR: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dest) BACKUP_DIR=${2:?--dest needs a folder}; shift 2 ;;
    --retention-days) RETENTION_DAYS=${2:?--retention-days needs a number}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

case "$RETENTION_DAYS" in ''|*[!0-9]*) die "RETENTION_DAYS must be a whole number of days" ;; esac

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

# libpq does not know SQLAlchemy's driver suffix (postgresql+psycopg://).
libpq_url() { printf '%s' "${1/postgresql+psycopg:/postgresql:}"; }

dump_database() {
  local out=$1
  if [ -n "${DATABASE_URL:-}" ]; then
    case "$DATABASE_URL" in postgresql*) ;; *) die "DATABASE_URL is not PostgreSQL: only PostgreSQL is backed up" ;; esac
    command -v pg_dump >/dev/null || die "pg_dump not found (install postgresql-client)"
    pg_dump --format=custom --no-owner --dbname="$(libpq_url "$DATABASE_URL")" --file="$out"
  else
    # Inside the container pg_dump uses the local socket and the service's own credentials.
    # shellcheck disable=SC2016  # expanded by the container's shell, not this one
    "${COMPOSE_CMD[@]}" exec -T postgres sh -c \
      'exec pg_dump --format=custom --no-owner -U "$POSTGRES_USER" -d "$POSTGRES_DB"' > "$out"
  fi
  [ -s "$out" ] || die "the database dump is empty"
}

# Archive a folder's contents and list every file's checksum (paths relative to the folder).
archive_folder() {
  local name=$1 dir=$2 dest=$3
  if [ ! -d "$dir" ]; then
    log "$name folder $dir does not exist: archiving it as empty"
    dir="$dest/.empty-$name"
    mkdir "$dir"
  fi
  # .tmp/ holds uploads in progress (app/datasets/storage.py): not part of a backup.
  (cd "$dir" && find . -path ./.tmp -prune -o -type f -print0 | LC_ALL=C sort -z \
    | xargs -0 -r sha256sum) > "$dest/$name.sha256"
  tar -C "$dir" --exclude=./.tmp -czf "$dest/$name.tar.gz" .
  [ "$dir" != "$dest/.empty-$name" ] || rmdir "$dir"
}

prune_old() {
  [ "$RETENTION_DAYS" -gt 0 ] || return 0
  find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name 'tp-backup-*' ! -name '*.partial' \
    -mtime +"$((RETENTION_DAYS - 1))" -print0 | while IFS= read -r -d '' old; do
    log "removing backup older than $RETENTION_DAYS days: $old"
    rm -rf -- "$old"
  done
}

main() {
  mkdir -p "$BACKUP_DIR"
  local stamp target work
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  target="$BACKUP_DIR/tp-backup-$stamp"
  work="$target.partial"
  [ ! -e "$target" ] || die "$target already exists"
  mkdir "$work"
  trap 'rm -rf -- "$work"' EXIT

  # Database first: files are stored under generated names and never rewritten, so every row
  # in the dump finds its file unless the file is deleted while this backup runs.
  log "dumping the database"
  dump_database "$work/database.dump"
  log "archiving datasets ($DATASETS_DIR) and models ($MODELS_DIR)"
  archive_folder datasets "$DATASETS_DIR" "$work"
  archive_folder models "$MODELS_DIR" "$work"
  {
    printf 'created=%s\n' "$stamp"
    printf 'mode=%s\n' "$([ -n "${DATABASE_URL:-}" ] && echo direct || echo compose)"
    printf 'datasets_files=%s\n' "$(wc -l < "$work/datasets.sha256")"
    printf 'models_files=%s\n' "$(wc -l < "$work/models.sha256")"
  } > "$work/backup.info"
  (cd "$work" && sha256sum database.dump datasets.tar.gz datasets.sha256 \
    models.tar.gz models.sha256 backup.info > MANIFEST.sha256)

  mv "$work" "$target"
  trap - EXIT
  prune_old
  log "backup complete: $target"
  printf '%s\n' "$target"
}

main
