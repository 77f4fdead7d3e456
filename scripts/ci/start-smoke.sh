#!/usr/bin/env bash
# CI (Linux): a user's first command after `npm ci` is `npm start`. Run it on a
# virtual display, wait for the studio's window, save a screenshot of the screen
# to test-results/npm-start.png, then stop it. Fails if npm start exits or no
# window appears within three minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p test-results
XSTUDIO_HOME="$(mktemp -d)"
export XSTUDIO_HOME
export DISPLAY=:99
Xvfb "$DISPLAY" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
# Its own process group, so the whole tree (npm, sh, electron, workers) is stopped together.
setsid npm start >test-results/npm-start.log 2>&1 &
app=$!
# shellcheck disable=SC2317 # called by the trap
cleanup() { kill -- "-$app" 2>/dev/null || true; kill "$xvfb" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 180); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"Xception Studio"'; then
    sleep 5 # let the first view render
    import -window root test-results/npm-start.png
    echo "npm start opened the studio's window: test-results/npm-start.png"
    exit 0
  fi
  if ! kill -0 "$app" 2>/dev/null; then
    echo "npm start exited before opening a window:" >&2
    cat test-results/npm-start.log >&2
    exit 1
  fi
  sleep 1
done
echo "no studio window after 180 s:" >&2
cat test-results/npm-start.log >&2
exit 1
