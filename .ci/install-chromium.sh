#!/usr/bin/env bash
# Installs Debian's Chromium for the debug page's browser test (tests/debug/browser.test.ts).
# Idempotent, and never fails the build: when Chromium cannot be installed (no root, no apt, no
# network) it says why and exits 0, and the browser test then reports itself skipped with the reason.
set -u

if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then
  echo "install-chromium: $(chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

why=""
if ! command -v apt-get >/dev/null 2>&1; then
  why="apt-get is not available on this machine"
elif [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  why="not root and no sudo"
else
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get update -qq; then
    why="apt-get update failed"
  elif ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    why="apt-get install chromium failed"
  fi
fi

if [ -n "$why" ] || [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: Chromium NOT installed (${why:-/usr/bin/chromium missing after install});" \
    "the browser test will report itself skipped" >&2
  exit 0
fi
echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed"
