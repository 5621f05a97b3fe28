#!/usr/bin/env bash
# Installs Debian's headless Chromium for the web tests when it is missing.
# Needs root (CI and the team's machines run as root); elsewhere it says what to do and goes on.
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: chromium is not installed; browser tests will be skipped." \
       "Install it with: sudo apt-get install chromium" >&2
  exit 0
fi
echo "Installing chromium for the browser tests (apt-get)..." >&2
apt-get update -qq >/dev/null && \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || {
    echo "warning: could not install chromium; browser tests will be skipped." >&2
  }
exit 0
