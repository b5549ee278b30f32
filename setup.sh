#!/usr/bin/env bash
# dltutor's two set-up commands (see README.md):
#   ./setup.sh lab    install everything into .venv and open JupyterLab on notebooks/
#   ./setup.sh test   install everything plus the test tools, then run the whole test suite
# Extra arguments after `test` go to pytest (e.g. ./setup.sh test -k training).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${DLTUTOR_VENV:-.venv}
command=${1:-lab}
shift || true

if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))'; then
  echo "dltutor needs Python 3.10 to 3.13 (TensorFlow has no wheels for others); found:" \
       "$("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.12, say." >&2
  exit 2
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check "$@"; }

ensure_chromium() {
  # The browser tests drive Debian's Chromium; never a browser downloaded by Playwright.
  if command -v chromium >/dev/null 2>&1; then return; fi
  if command -v apt-get >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    echo "Installing Chromium for the browser tests (apt-get install chromium)..."
    if $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; then return; fi
  fi
  echo "Chromium is not available here: the browser tests will be skipped (in CI they fail)." >&2
}

case "$command" in
  lab)
    pip install -q -e ".[lab]"
    exec "$VENV/bin/jupyter" lab notebooks/ "$@"
    ;;
  test)
    pip install -q -e ".[test]"
    ensure_chromium
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./setup.sh lab | ./setup.sh test [pytest args]" >&2
    exit 2
    ;;
esac
