#!/usr/bin/env bash
# Run by `npm test` first (the "pretest" script): installs what the tests need beyond npm packages and
# a fresh machine lacks, saying what, why and how big before each install. Once installed, this is a
# quick no-op. The installers themselves are the hooks in .ci/setup.d/ (run in name order):
# vscode-host.sh brings Chromium and code-server. CI's .ci/run just runs `npm test`, so every CI run
# on a new machine goes through this path.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "npm test: please install $* with your package manager (macOS: brew install $*), then run npm test again." >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "npm test: installing redis-server (Debian package, ~1 MB download, ~6 MB installed): every test file starts its own Redis."
  apt_install redis-server
fi

if ! command -v ss >/dev/null 2>&1; then
  echo "npm test: installing iproute2 (Debian package, ~1 MB): a test reads the backend's listen backlog with ss."
  apt_install iproute2
fi

for hook in .ci/setup.d/*.sh; do
  [ -e "$hook" ] || continue
  bash "$hook"
done
