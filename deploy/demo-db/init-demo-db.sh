#!/bin/sh
# The demo target database of docker-compose.yml: the `platform` and `invoicing` databases owned by
# the role `runbook`, whose password is the one in the worker's secrets file (one source of truth).
set -eu
SECRETS=/run/runbook/local-secrets.yaml
PASSWORD=$(sed -n 's/^ *password: *//p' "$SECRETS" | head -1 | tr -d "\"'")
if [ -z "$PASSWORD" ]; then
  echo "no password in $SECRETS" >&2
  exit 1
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v pw="$PASSWORD" <<'SQL'
CREATE ROLE runbook LOGIN PASSWORD :'pw';
CREATE DATABASE platform OWNER runbook;
CREATE DATABASE invoicing OWNER runbook;
SQL
psql -v ON_ERROR_STOP=1 --username runbook --dbname platform <<'SQL'
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, status text NOT NULL);
INSERT INTO users VALUES (1, 'ada@example.com', 'active'), (2, 'grace@example.com', 'locked');
SQL
