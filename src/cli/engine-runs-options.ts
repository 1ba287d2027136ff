// The options `dagc runs list` takes for an engine's runs (kept apart from engine-runs.ts so that `dagc runs`
// loads nothing of the deploy code unless --target is given).
export const ENGINE_RUNS_OPTIONS = {
  target: { type: 'string', short: 't', arg: 'TARGET', description: "list: the engine's runs of a deployed pipeline (argo or asl; give the pipeline file)" },
  context: { type: 'string', arg: 'NAME', description: 'argo: the kubeconfig context' },
  namespace: { type: 'string', short: 'n', arg: 'NS', description: 'argo: the namespace' },
} as const;
