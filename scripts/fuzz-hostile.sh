#!/usr/bin/env bash
# The longer run of the hostile-input property (test/hostile-property.test.ts: dagc run, the bash script, the Argo
# and ASL emulators): DAGC_FUZZ_CASES cases (default 200) with the same fixed seed; npm test runs 3. Each case
# started is noted in DAGC_FUZZ_PROGRESS (default bench/out/fuzz-hostile.progress), so a run stopped early says how
# many it tried. Run it at low priority: nice -n 10 scripts/fuzz-hostile.sh
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
export DAGC_FUZZ_PROGRESS=${DAGC_FUZZ_PROGRESS:-$PWD/bench/out/fuzz-hostile.progress}
mkdir -p "$(dirname -- "$DAGC_FUZZ_PROGRESS")"
: > "$DAGC_FUZZ_PROGRESS"
DAGC_FUZZ_CASES=${DAGC_FUZZ_CASES:-200} npx vitest run test/hostile-property.test.ts
