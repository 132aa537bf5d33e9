#!/usr/bin/env bash
# Sets up, then places a demo report call end to end on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.venv/bin/cityline migrate
exec .venv/bin/cityline call "$@"
