#!/usr/bin/env bash
# Set up everything Yichuang needs on a Debian 12 machine. Idempotent: a second run
# installs nothing new. System packages are installed only when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  mosquitto mosquitto-clients            # production broker; third-party clients for tests
  fonts-noto-cjk fonts-wqy-microhei      # Chinese glyphs for Kivy screens
  libmtdev1 libgl1 libegl1 libgl1-mesa-dri
  xvfb xdotool imagemagick               # clicking real X windows in tests
  espeak-ng sox                          # offline Mandarin voice, audio checks
  socat                                  # pseudo-terminal pairs for serial devices
  pcscd libpcsclite-dev vsmartcard-vpcd  # PC/SC daemon, pyscard headers, virtual reader
  zbar-tools                             # reads printed QR codes back in tests
  chromium chromium-driver               # headless browser tests
  cage                                   # kiosk compositor: one fullscreen app at boot, no desktop
  gcc
)

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not root; please install: ${missing[*]}" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.yichuang-installed
if [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[apps,card,sim,test]'
  touch "$stamp"
fi
echo "setup: ready (.venv)"
