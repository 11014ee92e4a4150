#!/usr/bin/env bash
# Runs a desktop script in a private X server (Xvfb) with a session bus, a notification
# daemon and tauri-driver (which starts WebKitWebDriver).
#   tests/e2e/run.sh APP_BINARY [SCREENSHOT_DIR]   the end-to-end test (desktop.py)
#   tests/e2e/run.sh --bench RELEASE_DIR           the desktop figures (bench_desktop.py)
# PASAR_E2E_SCRIPT=path runs another script the same way (debugging a single flow).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${PASAR_E2E_INNER:-}" ]; then
  n=99
  while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
  Xvfb ":$n" -screen 0 1366x768x24 -nolisten tcp >/tmp/pasarsuara-xvfb.log 2>&1 &
  XVFB=$!
  trap 'kill $XVFB 2>/dev/null || true' EXIT
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
  export DISPLAY=":$n" PASAR_E2E_INNER=1
  # A private session bus: notify-rust can show notifications, GTK leaves no stray daemons.
  dbus-run-session -- "$0" "$@"
  exit $?
fi

# A fresh data folder per run: WebKit storage (the cashier's cart draft) and logs stay isolated.
XDG_DATA_HOME=$(mktemp -d /tmp/pasarsuara-e2e-home.XXXXXX)
export XDG_DATA_HOME
# The stock list the app's "choose a file" answers with (desktop.py writes it).
export PASAR_E2E_PICK_FILE="$XDG_DATA_HOME/stok-uji.csv"
dunst >/tmp/pasarsuara-dunst.log 2>&1 &
DUNST=$!
PORT=4444
while (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null; do PORT=$((PORT + 1)); done
tauri-driver --port "$PORT" --native-port $((PORT + 1000)) >/tmp/pasarsuara-tauri-driver.log 2>&1 &
DRIVER=$!
trap 'kill $DRIVER $DUNST 2>/dev/null || true; rm -rf "$XDG_DATA_HOME"' EXIT
for _ in $(seq 100); do
  (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.1
done
export WEBDRIVER_URL="http://127.0.0.1:$PORT"
if [ "${1:-}" = "--bench" ]; then
  python3 tests/e2e/bench_desktop.py "$(realpath "$2")"
else
  python3 ${PASAR_E2E_SCRIPT:-tests/e2e/desktop.py} "$(realpath "$1")" "${2:-docs/screenshots}"
fi
