#!/bin/sh
# Creates the role the cluster nodes connect as and one database per node. The postgres image runs
# this once, when it initializes an empty data volume; later starts keep what is there.
#
# FALCONMIND_DB_USER      the role the nodes connect as
# FALCONMIND_DB_PASSWORD  its password
# FALCONMIND_DATABASES    the node databases, separated by spaces (two nodes never share one)
#
# The role owns its databases but is no superuser. It may create databases, so a node added later
# creates its own at first start (docs/cluster-node.md, "Its database"). Names and the password
# reach SQL as psql variables, quoted by psql, never pasted into the statement text.
set -e

if [ -z "$FALCONMIND_DB_USER" ] || [ -z "$FALCONMIND_DB_PASSWORD" ] || [ -z "$FALCONMIND_DATABASES" ]; then
  echo "postgres-init: set FALCONMIND_DB_USER, FALCONMIND_DB_PASSWORD and FALCONMIND_DATABASES" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v role="$FALCONMIND_DB_USER" -v password="$FALCONMIND_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN CREATEDB PASSWORD :'password';
SQL

for database in $FALCONMIND_DATABASES; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$FALCONMIND_DB_USER" -v database="$database" <<'SQL'
CREATE DATABASE :"database" OWNER :"role";
SQL
done
