#!/usr/bin/env bash
# Debian packages the test suite uses: promtool and the Prometheus server for
# the alert-rule and scrape tests, PostgreSQL for the decision-log tests,
# Chromium (headless) for the report test that opens the HTML page, debootstrap for
# the container test.
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
