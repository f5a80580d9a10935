#!/bin/sh
# Concatenates the migrations into one script for Supabase's SQL editor:
# gen-supabase-setup.sh OUTPUT schema-migrations.sql NNN-name.sql...
# It records each version in schema_migrations exactly as the app's own
# migrator does, so the app later finds nothing left to do.
set -eu
out=$1; shift
preamble=$1; shift
{
  echo "-- WaBiz database setup for Supabase (generated from data/sql; do not edit)."
  echo "-- Paste into Dashboard > SQL Editor > New query, then Run. Safe to run again."
  echo
  cat "$preamble"
  for f in "$@"; do
    base=$(basename "$f" .sql)
    version=$(echo "$base" | sed 's/^0*\([0-9][0-9]*\)-.*/\1/')
    echo
    echo "-- ==== $base ===="
    cat "$f"
    echo "insert into schema_migrations (version, name) values ($version, '$base') on conflict (version) do nothing;"
  done
} > "$out"
