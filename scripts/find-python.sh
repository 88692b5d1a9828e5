#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or explains what to install.
# Order: $PYTHON if set, python3.13/python3.12/python3 on PATH, then pyenv's
# installed versions. Each candidate is run, because a pyenv shim can exist on
# PATH for a version that is not active and then fails when called.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.13 python3.12 python3; do
  p=$(command -v "$name" 2>/dev/null) && candidates+=("$p")
done
root=${PYENV_ROOT:-$HOME/.pyenv}
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
  candidates+=("$p")
done
for p in "${candidates[@]}"; do
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "Focus Mate needs Python 3.12 or newer, and none was found on PATH or under $root/versions." >&2
echo "Install one (for example 'pyenv install 3.13' or your system's python3.13 package), or set PYTHON=/path/to/python3.12." >&2
exit 1
