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
  xwayland                               # cage's X server: the apps' SDL has no Wayland driver
  grim x11-utils                         # screenshots of cage's output, xwininfo, in tests
  udev umockdev                          # udevadm test of the rules on mocked USB devices
  postgresql                             # the county supervisor's database (tests start their own cluster)
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
  .venv/bin/pip install -q -e '.[apps,card,sim,test,web,county]'
  touch "$stamp"
fi
# Apache ECharts for the hall's web dashboard, served from the hall itself (no internet at run
# time). 1.1 MB, so it is fetched from the npm registry here rather than kept in git
# (hall/web/static/vendor/ is git-ignored), and checked against its known SHA-256.
ECHARTS_VERSION=6.1.0
ECHARTS_SHA256=b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0
echarts=hall/web/static/vendor/echarts.min.js
if ! echo "$ECHARTS_SHA256  $echarts" | sha256sum -c --quiet - >/dev/null 2>&1; then
  if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null \
     && tar xzf "echarts-$ECHARTS_VERSION.tgz" package/dist/echarts.min.js)
  mkdir -p "$(dirname "$echarts")"
  cp "$tmp/package/dist/echarts.min.js" "$echarts"
  rm -rf "$tmp"
  echo "$ECHARTS_SHA256  $echarts" | sha256sum -c --quiet - || { rm -f "$echarts"; echo "setup: echarts checksum mismatch" >&2; exit 1; }
fi

# The announcer's clip pack (espeak-ng; ~2 s the first time, nothing when it is complete).
.venv/bin/python -m display.voice.pack || echo "setup: voice pack not generated (is espeak-ng installed?)" >&2
echo "setup: ready (.venv)"
