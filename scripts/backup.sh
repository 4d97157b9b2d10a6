#!/usr/bin/env bash
# Back up the PCGD-XMC database: one pg_dump in PostgreSQL's custom format (-Fc), checked
# and fingerprinted. docs/backup.md says when, where to keep it and how to restore it.
#
#   scripts/backup.sh                                  # docker compose: service "postgres", database pcgd
#   scripts/backup.sh -o /srv/backups/pcgd-$(date +%F).dump
#   DATABASE_URL=postgres://user:pass@host:5432/pcgd scripts/backup.sh -o pcgd.dump   # any reachable server
#
# Writes FILE and FILE.sha256; exits non-zero if the dump or its check fails (a cron job
# then mails the error). Redis holds nothing to back up (cache, queues, live boards).
set -euo pipefail

out="pcgd-$(date -u +%Y%m%dT%H%M%SZ).dump"
while getopts "o:h" opt; do
    case $opt in
        o) out=$OPTARG ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done

tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
if [[ -n ${DATABASE_URL:-} ]]; then
    pg_dump --format=custom --compress=6 --no-password --dbname="$DATABASE_URL" --file="$tmp"
    list=(pg_restore --list)
else
    # Inside the postgres container: its own pg_dump matches the server's version.
    docker compose exec -T postgres pg_dump --format=custom --compress=6 -U "${POSTGRES_USER:-pcgd}" \
        "${POSTGRES_DB:-pcgd}" >"$tmp"
    list=(docker compose exec -T postgres pg_restore --list)
fi
# A readable archive with the register's tables in it, or no backup at all.
if ! "${list[@]}" <"$tmp" | grep -c "TABLE DATA public surveys_household " >/dev/null; then
    echo "backup: $tmp is not a readable dump of the register (no surveys_household data)" >&2
    exit 1
fi
mv "$tmp" "$out"
sha256sum "$out" >"$out.sha256"
echo "backup: $out ($(du -h "$out" | cut -f1)), $(cut -d' ' -f1 "$out.sha256")"
