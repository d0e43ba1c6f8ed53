#!/usr/bin/env bash
# Run the whole test suite in the project's venv (after scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
unset DISPLAY
export KIVY_NO_ARGS=1 KIVY_NO_CONSOLELOG=1 KIVY_NO_FILELOG=1 KIVY_USE_DEFAULTCONFIG=1
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
