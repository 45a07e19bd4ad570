#!/usr/bin/env bash
# Runs the whole test suite (mvn -B verify): the README's test command, and what CI runs (.ci/run).
#
#   ./test.sh [--dry-run] [MAVEN_ARGS...]
#
# Some servers the tests start come from Debian packages (PACKAGES below). Run as root, this
# installs the missing ones with apt-get, non-interactively, then runs Maven. Run as anyone else,
# it stops before Maven with exit code 2, naming the missing packages and the apt-get command.
# --dry-run says what it would install (or which packages it would ask for) and runs nothing.
# MAVEN_ARGS go to Maven after `verify`, e.g. ./test.sh -pl api -am.
set -euo pipefail
cd "$(dirname "$0")"

# The Debian packages the suite needs, the only list of them: the package, then the commands the
# tests run from it. A package counts as missing when one of its commands is not found. The tests
# start these programs themselves (apt does not start the services in a container).
PACKAGES=(
  "prometheus   promtool prometheus"  # alert-rule tests (promtool), dashboard tests (a real Prometheus)
  "nginx-light  nginx"                # load test's short form: nginx in front of three replicas
  "chromium     chromium"             # the status page rendered by a real headless browser
)

dry_run=0
if [ "${1:-}" = "--dry-run" ]; then
  dry_run=1
  shift
fi

# An executable regular file on the PATH or in an sbin directory (nginx lives in /usr/sbin, off a
# normal user's PATH, and the load-test harness looks for it there). Not `command -v`: it also
# answers with a file that is not executable.
found() {
  local dir IFS=:
  for dir in $PATH /usr/local/sbin /usr/sbin /sbin; do
    if [ -n "$dir" ] && [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then
      return 0
    fi
  done
  return 1
}

missing_packages() {
  local entry pkg cmds cmd
  for entry in "${PACKAGES[@]}"; do
    read -r pkg cmds <<<"$entry"
    for cmd in $cmds; do
      if ! found "$cmd"; then
        echo "$pkg"
        break
      fi
    done
  done
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null
}

mapfile -t missing < <(missing_packages)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    cat >&2 <<EOF
[test.sh] The test suite needs Debian packages that are not installed: ${missing[*]}
Install them, then run ./test.sh again (run as root, ./test.sh installs them itself):

  sudo apt-get install -y ${missing[*]}
EOF
    exit 2
  fi
  if [ "$dry_run" = 1 ]; then
    echo "[test.sh] would install: DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${missing[*]}" \
      "(again after apt-get update if that fails)"
  else
    echo "[test.sh] installing the Debian packages the test suite needs: ${missing[*]}"
    # The package lists may be stale or absent (a fresh container): refresh them only if needed.
    apt_install "${missing[@]}" || { apt-get update -q </dev/null && apt_install "${missing[@]}"; }
    mapfile -t still < <(missing_packages)
    if [ "${#still[@]}" -gt 0 ]; then
      echo "[test.sh] apt-get installed ${missing[*]} but these are still missing their commands: ${still[*]}" >&2
      exit 1
    fi
  fi
fi

if [ "$dry_run" = 1 ]; then
  echo "[test.sh] Debian packages: ${#missing[@]} missing (${missing[*]:-none}); would run: mvn -B verify${*:+ $*}"
  exit 0
fi
exec mvn -B verify "$@"
