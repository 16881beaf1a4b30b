#!/usr/bin/env bash
# Removes the system-wide registration made by install.sh (the alias too, if present).
set -euo pipefail
for name in "ODBC Driver RS for SQL Server" "ODBC Driver 18 for SQL Server"; do
  # Read whole, not piped into grep -q: under pipefail an early grep exit is a failure.
  entry=$(odbcinst -q -d -n "$name" 2>/dev/null || true)
  if [[ "$entry" == *libsqlserver_odbc* ]]; then
    odbcinst -u -d -n "$name" >/dev/null && echo "unregistered $name"
  fi
done
