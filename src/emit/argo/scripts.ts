// The two POSIX sh scripts every container runs (as `sh -c SCRIPT NAME ARGS…`). They only call the dagc
// entrypoint (DESIGN.md §4) and add what Argo cannot express itself:
//  - the attempt number: Argo's `{{retries}}` counts from 0 (argo-workflows operator.go sets it to the number
//    of earlier attempts; docs/variables.md "retries"), dagc's attempts from 1;
//  - folded nodes (plan.ts): run after the node succeeded, or after its last attempt failed;
//  - a root fail node exits 1 after recording itself, so the Workflow ends Failed;
//  - the in-pod config, written from $DAGC_CONFIG_JSON (the workflow argument dagc_config) to a file.
// Every name and value reaches dagc as a quoted positional parameter: nothing from the pipeline is ever
// parsed as shell code (`set -f` also stops globbing of the `%`-joined lists of folded nodes; dot paths never
// contain `%`, magnus-spec.md §1.2). The run id and dot path come last, after `--`, so a step named `-x` is a
// name and not an option of dagc (issue 19).

/** Where the fan-out writes what to run; the template's output parameter reads it (valueFrom.path). */
export const FAN_OUTPUT_PATH = '/tmp/dagc-fan.json';
export const CONFIG_PATH = '/tmp/dagc-config.json';
/** Joins the dot paths of folded nodes in one parameter. */
export const FOLD_SEPARATOR = '%';

const CONFIG_LINES = `if [ -n "\${DAGC_CONFIG_JSON:-}" ]; then
  printf '%s\\n' "$DAGC_CONFIG_JSON" > ${CONFIG_PATH} || exit 2
  set -- "$@" -c ${CONFIG_PATH}
fi`;

export const STEP_SCRIPT = `# dagc step: one node of the pipeline through the dagc entrypoint, then the nodes folded into this pod.
# $1 mode (exec, in = close a composite, fail = the run's fail node, close = the exit handler: $3 is then the
# workflow's status)  $2 run id  $3 dot path
# $4 map item indices, outermost first ("" outside maps)  $5 Argo's retries (0 on the first attempt)
# $6 attempts  $7 / $8 nodes to run after success / after the last failed attempt (dot paths joined by %)
# The rest are dagc's own arguments (-f pipeline, -p parameters, --var-file).
set -f
mode=$1 run=$2 node=$3 at=$4 attempt=$(($5 + 1)) attempts=$6 after_ok=$7 after_fail=$8
shift 8
${CONFIG_LINES}
if [ "$mode" = close ]; then exec dagc fan close "$@" -- "$run" "$node"; fi
fold() {
  list=$1
  shift
  IFS=${FOLD_SEPARATOR}
  for step in $list; do
    unset IFS
    dagc exec \${at:+--map-index "$at"} "$@" -- "$run" "$step" || return
  done
  unset IFS
}
if [ "$mode" = in ]; then
  dagc fan in \${at:+--map-index "$at"} "$@" -- "$run" "$node"
else
  dagc exec \${at:+--map-index "$at"} --attempt "$attempt" "$@" -- "$run" "$node"
fi
rc=$?
if [ "$rc" -eq 0 ]; then
  fold "$after_ok" "$@" || exit
elif [ "$rc" -eq 1 ] && [ "$attempt" -ge "$attempts" ]; then
  fold "$after_fail" "$@" || exit
fi
if [ "$mode" = fail ] && [ "$rc" -eq 0 ]; then exit 1; fi
exit "$rc"
`;

export const FAN_OUT_SCRIPT = `# dagc fan-out: opens a parallel, map or dag node and writes what to run to ${FAN_OUTPUT_PATH} (the output
# parameter "fan"): the number of branches, or for a map the JSON list of item indices [0, ..., n-1].
# $1 run id  $2 dot path  $3 map item indices ("" outside maps)  $4 count or indices
# The rest are dagc's own arguments (-f pipeline, -p parameters, --var-file).
set -f
run=$1 node=$2 at=$3 format=$4
shift 4
${CONFIG_LINES}
dagc fan out \${at:+--map-index "$at"} --format "$format" --output ${FAN_OUTPUT_PATH} "$@" -- "$run" "$node"
rc=$?
# 1: the node could not open (it is recorded FAIL and has nothing to run); the fan-in closes it.
if [ "$rc" -eq 1 ]; then exit 0; fi
exit "$rc"
`;
