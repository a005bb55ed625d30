#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 refuses 3.11).
# Order: $PYTHON310, python3.10 on PATH, then any 3.10 known to pyenv.
set -euo pipefail
works() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
if [[ -n "${PYTHON310:-}" ]] && works "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi
if command -v python3.10 >/dev/null && works "$(command -v python3.10)"; then command -v python3.10; exit 0; fi
if command -v pyenv >/dev/null; then
  root=$(pyenv root)
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
    candidate="$root/versions/$v/bin/python3.10"
    if works "$candidate"; then echo "$candidate"; exit 0; fi
  done
fi
echo "No Python 3.10 found: install it (e.g. 'pyenv install 3.10') or set PYTHON310." >&2
exit 1
