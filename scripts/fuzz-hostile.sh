#!/usr/bin/env bash
# The longer run of the hostile-input property (test/hostile-property.test.ts: dagc run, the bash script, the Argo
# and ASL emulators): DAGC_FUZZ_CASES cases (default
# 200) with the same fixed seed; npm test runs 3.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
DAGC_FUZZ_CASES=${DAGC_FUZZ_CASES:-200} npx vitest run test/hostile-property.test.ts
