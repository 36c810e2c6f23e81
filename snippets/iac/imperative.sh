#!/usr/bin/env bash
# Configure the app by listing actions. Run by snippets/iac/playbook.py, shown on docs/*/iac.md.
# --8<-- [start:script]
set -euo pipefail
root="$1"
echo "listen = 8080" >> "$root/app.conf"   # >> appends, on every run
echo "workers = 4" >> "$root/app.conf"
# --8<-- [end:script]
