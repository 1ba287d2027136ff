#!/usr/bin/env bash
# Installs magnus itself from PyPI into throwaway virtual environments, one per version, for the differential
# tests (test/magnus-diff: every shared example and conformance fixture runs through magnus and through dagc,
# and the run logs must agree). Developers run it once; .ci/run runs it before the tests.
#
#   scripts/magnus-venv.sh [VERSION...]      default: 0.5.1 (pydantic 2) 0.4.22 0.3.11 (both pydantic 1)
#
# Each version goes to <cache>/magnus-venv-<VERSION>, where <cache> is $DAGC_MAGNUS_VENVS, else
# $XDG_CACHE_HOME/dagc, else ~/.cache/dagc: the machine's cache, never the project. A venv that finished
# installing before (it holds .dagc-ready) is kept. Without PyPI (or without python3 -m venv) it prints a
# notice and exits 0: the differential tests then skip with their own notice.
set -uo pipefail

python=${DAGC_MAGNUS_PYTHON:-python3}
cache=${DAGC_MAGNUS_VENVS:-${XDG_CACHE_HOME:-$HOME/.cache}/dagc}
if [ "$#" -gt 0 ]; then versions=("$@"); else versions=(0.5.1 0.4.22 0.3.11); fi

if ! "$python" -m venv --help >/dev/null 2>&1; then
  echo "notice: $python has no venv module; magnus is not installed and the magnus differential tests will skip" >&2
  exit 0
fi
mkdir -p "$cache" || exit 1

failed=0
for version in "${versions[@]}"; do
  venv="$cache/magnus-venv-$version"
  if [ -f "$venv/.dagc-ready" ]; then
    echo "magnus $version: $venv (cached)"
    continue
  fi
  rm -rf "$venv"
  log="$cache/magnus-venv-$version.log"
  # The version's own dependency ranges pick pydantic 1 for 0.3/0.4 and pydantic 2 for 0.5.
  if "$python" -m venv "$venv" >"$log" 2>&1 &&
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "magnus==$version" >>"$log" 2>&1 &&
    "$venv/bin/python" -c 'import magnus' >>"$log" 2>&1; then
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("magnus"), m.version("pydantic"))' >"$venv/.dagc-ready"
    echo "magnus $version: $venv (pydantic $(cut -d' ' -f2 <"$venv/.dagc-ready"))"
  else
    rm -rf "$venv"
    echo "notice: magnus $version could not be installed (no PyPI?); see $log. Its differential tests will skip." >&2
    failed=$((failed + 1))
  fi
done
# Missing PyPI is not an error of the project: the tests say what they skipped.
exit 0
