#!/usr/bin/env bash
# Installs what is missing, then serves the app at http://127.0.0.1:${PORT:-8080}/ with live reload.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
ensure_app_tools
cd "$ROOT"
PORT="${PORT:-8080}"
say "serving Raft, live at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
exec trunk serve --address 127.0.0.1 --port "$PORT" "$@"
