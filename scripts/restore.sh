#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh (pg_dump -Fc) into a NEW, empty database,
# then print what it holds. It never overwrites a database: switching the application to
# the restored one is a separate, deliberate step (docs/backup.md).
#
#   scripts/restore.sh pcgd-20261130.dump pcgd_restored             # docker compose: service "postgres"
#   DATABASE_URL=postgres://user:pass@host:5432/postgres scripts/restore.sh FILE pcgd_restored
#     (DATABASE_URL names the server; its database part is ignored)
set -euo pipefail

file=${1:?usage: scripts/restore.sh FILE NEW_DATABASE}
target=${2:?usage: scripts/restore.sh FILE NEW_DATABASE}
[[ $target =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "restore: database name must be lowercase letters, digits, _" >&2; exit 2; }
if [[ -f $file.sha256 ]]; then
    sha256sum --check --quiet "$file.sha256"
fi

count_sql="SELECT 'households ' || count(*) FROM surveys_household
 UNION ALL SELECT 'residents ' || count(*) FROM surveys_resident
 UNION ALL SELECT 'changes ' || count(*) FROM surveys_change
 UNION ALL SELECT 'sync operations ' || count(*) FROM sync_oplog
 UNION ALL SELECT 'users ' || count(*) FROM auth_user
 UNION ALL SELECT 'last migration ' || max(applied)::text FROM django_migrations"

if [[ -n ${DATABASE_URL:-} ]]; then
    server=${DATABASE_URL%/*}
    psql --no-password -v ON_ERROR_STOP=1 -qAt -d "$server/postgres" -c "CREATE DATABASE \"$target\""
    # --no-owner: the objects belong to whoever restores (the application's role in production).
    pg_restore --no-password --exit-on-error --no-owner --jobs=2 -d "$server/$target" "$file"
    psql --no-password -qAt -d "$server/$target" -c "ANALYZE" -c "$count_sql"
else
    user=${POSTGRES_USER:-pcgd}
    docker compose exec -T postgres createdb -U "$user" "$target"
    docker compose exec -T postgres pg_restore --exit-on-error --no-owner -U "$user" -d "$target" <"$file"
    docker compose exec -T postgres psql -U "$user" -qAt -d "$target" -c "ANALYZE" -c "$count_sql"
fi
echo "restore: $file → database $target"
