#!/usr/bin/env bash
# Installs what is missing, then serves the app with live reload.
#
#   scripts/serve.sh          the release build (what a class should see) at http://127.0.0.1:8080/
#   scripts/serve.sh --dev    the debug build: rebuilds faster while changing the code, but its
#                             wasm is several times larger and each frame costs more
#   scripts/serve.sh --lan    also to other machines on this network (students' laptops), and
#                             prints the address to give out; PORT=9000 picks another port
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
release=(--release)
address=127.0.0.1
rest=()
for arg in "$@"; do
  case $arg in
    --dev) release=() ;;
    --lan) address=0.0.0.0 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) rest+=("$arg") ;;
  esac
done
ensure_app_tools
cd "$ROOT"
PORT="${PORT:-8080}"
build="release"
[ ${#release[@]} -eq 0 ] && build="debug"
if [ "$address" = 0.0.0.0 ]; then
  lan="$(hostname -I 2>/dev/null | awk '{print $1}')"
  say "serving the $build build on every network interface, port $PORT (Ctrl-C to stop)"
  say "on this machine: http://127.0.0.1:$PORT/"
  if [ -n "$lan" ]; then
    say "for students on the same network: http://$lan:$PORT/"
  else
    say "for students on the same network: http://<this machine's address>:$PORT/ (no address found)"
  fi
else
  say "serving the $build build at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
fi
exec trunk serve "${release[@]}" --address "$address" --port "$PORT" "${rest[@]}"
