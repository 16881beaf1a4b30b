#!/usr/bin/env bash
# Registers the driver with unixODBC.
#   odbcinst/install.sh                       system-wide (root): odbcinst -i -d
#   odbcinst/install.sh --sysini DIR          a private ODBCSYSINI (tests, users without root)
# Options: --driver PATH (default: target/release/libsqlserver_odbc.so next to this script)
#          --alias       also register "ODBC Driver 18 for SQL Server" (hosts without Microsoft's)
#          --peers FILE  append the peer drivers' odbcinst.ini (tests only)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver="$here/../target/release/libsqlserver_odbc.so"
sysini="" alias=0 peers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sysini) sysini=$2; shift 2 ;;
    --driver) driver=$2; shift 2 ;;
    --alias) alias=1; shift ;;
    --peers) peers=$2; shift 2 ;;
    *) echo "usage: $0 [--sysini DIR] [--driver PATH] [--alias] [--peers FILE]" >&2; exit 2 ;;
  esac
done
driver=$(realpath "$driver")
[ -f "$driver" ] || { echo "driver library not found: $driver (run make build)" >&2; exit 1; }
entry() {
  sed -e "s|@NAME@|$1|" -e "s|@DRIVER@|$driver|" "$here/odbcinst.ini.in"
}
ini=$( entry "ODBC Driver RS for SQL Server"; [ $alias = 1 ] && entry "ODBC Driver 18 for SQL Server" || true )
if [ -n "$sysini" ]; then
  mkdir -p "$sysini"
  { echo "$ini"; [ -n "$peers" ] && [ -f "$peers" ] && { echo; cat "$peers"; } || true; } >"$sysini/odbcinst.ini"
  [ -f "$sysini/odbc.ini" ] || : >"$sysini/odbc.ini"
  echo "registered in $sysini/odbcinst.ini (export ODBCSYSINI=$sysini)"
else
  tmp=$(mktemp); echo "$ini" >"$tmp"; odbcinst -i -d -f "$tmp" -r >/dev/null; rm -f "$tmp"
  echo "registered system-wide ($(odbcinst -j | sed -n 's/^DRIVERS\.*: //p'))"
fi
