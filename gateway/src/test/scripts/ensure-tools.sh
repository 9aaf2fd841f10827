#!/usr/bin/env bash
# Makes sure the real programs the integration tests drive are installed:
#   chromium    (BrowserIT, ClusterBrowserIT)
#   prometheus  (PrometheusIT, alert-rule tests: prometheus + promtool)
#   nginx       (reverse-proxy tests)
#   openssl     (the TLS tests make their certificates with it and probe handshakes with s_client)
# Runs from the Maven build (pre-integration-test); installs Debian's packages with apt when run as root.
set -euo pipefail
CHROMIUM="${GATEWAY_CHROMIUM:-/usr/bin/chromium}"

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing Debian packages for the integration tests: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps apt from starting services (nginx, prometheus) on install: tests start their own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ensure-tools: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
echo "  or point GATEWAY_CHROMIUM at a Chromium binary" >&2
exit 1
