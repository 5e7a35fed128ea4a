#!/usr/bin/env bash
# Installs the Debian packages the tests use (nginx, shellcheck, docker-compose, a PostgreSQL client,
# chromium with a CJK font) when they are missing. Needs root; otherwise it lists what is missing.
set -euo pipefail

missing=()
for pkg in nginx shellcheck docker-compose chromium fonts-wqy-microhei; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages (install them as root): apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
