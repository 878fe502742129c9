#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite (unit, build and browser tests).
# Used by the README and by CI (.ci/run). Safe to run again: installs are skipped when present.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing chromium (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "chromium is not installed; run: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

echo "== installing Python packages"
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

echo "== running tests"
export REQUIRE_BROWSER=1  # a missing browser fails the run instead of skipping tests
set +e
# One worker per core (pytest-xdist), each taking whole files so that a file's browser and
# builds are shared; builds and downloads wait for each other (sitegen.vendor.cache_lock).
python3 -m pytest -n auto --dist loadfile --durations=30 "$@"  # the slowest tests, for keeping the suite short
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
