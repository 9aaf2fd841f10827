#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (BrowserIT).
# Runs from the Maven build (pre-integration-test); installs with apt when run as root.
set -euo pipefail
CHROMIUM="${GATEWAY_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: $CHROMIUM is missing; install Chromium (Debian: apt-get install chromium)" >&2
echo "  or point GATEWAY_CHROMIUM at a Chromium binary" >&2
exit 1
