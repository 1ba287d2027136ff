// The mlflow tracker against a real MLflow server (test/helpers/mlflow-server.ts; skipped with a notice where
// MLflow cannot be installed). The oracle is the server: what its REST API returns after dagc ran.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import type { MlflowServer } from '../../../test/helpers/mlflow-server.js';
import { startMlflow } from '../../../test/helpers/mlflow-server.js';
import { UserError } from '../../core/errors.js';
import { createMlflowTracker, mlflowSettings } from './mlflow.js';

interface Run {
  info: { run_id: string; run_name: string; status: string; lifecycle_stage: string };
  data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
}

let server: MlflowServer | undefined;
beforeAll(async () => {
  server = await startMlflow();
}, 30 * 60_000);
afterAll(async () => {
  await server?.stop();
});

async function api<T>(endpoint: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server!.url}/api/2.0/mlflow/${endpoint}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await r.json()) as T;
}

async function runsOf(experiment: string, runId: string): Promise<Run[]> {
  const { experiment: e } = await api<{ experiment: { experiment_id: string } }>(`experiments/get-by-name?experiment_name=${experiment}`);
  const { runs } = await api<{ runs?: Run[] }>('runs/search', { experiment_ids: [e.experiment_id], filter: `tags.dagc_run_id = '${runId}'`, max_results: 100 });
  return runs ?? [];
}

const tag = (run: Run, key: string) => run.data.tags?.find((t) => t.key === key)?.value;
const metrics = (run: Run) => Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
const params = (run: Run) => Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));

describe('the mlflow experiment tracker', () => {
  it('records every step of a dagc run as a nested MLflow run with its parameters and metrics', async (ctx) => {
    if (!server) return ctx.skip();
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-mlflow-run-'));
    try {
      writeFileSync(
        path.join(dir, 'pipeline.yaml'),
        [
          'dag:',
          '  start_at: prepare',
          '  steps:',
          '    prepare:',
          '      type: task',
          '      command_type: shell',
          '      command: echo "size=3" >> "$DAGC_OUTPUT" && echo "rows=10" >> "$DAGC_METRICS"',
          '      next: fan',
          '    fan:',
          '      type: parallel',
          '      next: success',
          '      branches:',
          '        a:',
          '          start_at: train',
          '          steps:',
          '            train: {type: task, command_type: shell, command: "export DAGC_TRACK_loss=0.5 DAGC_TRACK_note=\'\\"fast\\"\'", next: success}',
          '            success: {type: success}',
          '            fail: {type: fail}',
          '        b:',
          '          start_at: train',
          '          steps:',
          '            train: {type: task, command_type: shell, command: "export DAGC_TRACK_loss=0.25", next: success}',
          '            success: {type: success}',
          '            fail: {type: fail}',
          '    success:',
          '      type: success',
          '    fail:',
          '      type: fail',
          '',
        ].join('\n'),
      );
      writeFileSync(path.join(dir, 'parameters.yaml'), 'lr: 0.1\n');
      writeFileSync(path.join(dir, 'config.yaml'), `experiment_tracker:\n  type: mlflow\n  config:\n    tracking_uri: ${server.url}\n    experiment_name: dagc-test\n    tags: {team: ml}\n`);
      const r = await runCli(['run', 'pipeline.yaml', '-c', 'config.yaml', '-p', 'parameters.yaml', '--run-id', 'mlflow-1'], { cwd: dir });
      expect(r.status, r.stdout + r.stderr).toBe(0);

      const runs = await runsOf('dagc-test', 'mlflow-1');
      const parents = runs.filter((x) => tag(x, 'dagc_kind') === 'run');
      expect(parents.map((x) => [x.info.run_name, tag(x, 'team')])).toEqual([['mlflow-1', 'ml']]);
      const steps = new Map(runs.filter((x) => tag(x, 'dagc_kind') === 'step').map((x) => [x.info.run_name, x]));
      expect([...steps.keys()].sort()).toEqual(['fan.a.train', 'fan.b.train', 'prepare']);
      for (const step of steps.values()) {
        expect(tag(step, 'mlflow.parentRunId')).toBe(parents[0]!.info.run_id);
        expect(step.info.status).toBe('FINISHED');
      }
      expect(metrics(steps.get('prepare')!)).toEqual({ rows: 10 });
      expect(params(steps.get('prepare')!)).toEqual({ lr: '0.1' });
      expect(metrics(steps.get('fan.a.train')!)).toEqual({ loss: 0.5 });
      expect(tag(steps.get('fan.a.train')!, 'metric.note')).toBe('"fast"');
      expect(metrics(steps.get('fan.b.train')!)).toEqual({ loss: 0.25 });
      // The branch steps started after prepare set `size`.
      expect(params(steps.get('fan.b.train')!)).toEqual({ lr: '0.1', size: '3' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps one MLflow run per dagc run when step processes start at once', async (ctx) => {
    if (!server) return ctx.skip();
    const config = { tracking_uri: server.url, experiment_name: 'dagc-race' };
    // Separate trackers, as separate `dagc exec` processes of an engine would have.
    const trackers = Array.from({ length: 7 }, () => createMlflowTracker(mlflowSettings(config, {}), {}));
    const now = Date.now();
    // The first creates the run while the others already record steps (parallel branches right after start).
    await Promise.all([
      trackers[0]!.startRun!('race-1', now),
      ...trackers.slice(1).map((t, i) => t.logStep({ runId: 'race-1', step: `s${i}`, attempt: 1, parameters: {}, metrics: { i }, startMs: now, endMs: now + 1 })),
    ]);
    const runs = await runsOf('dagc-race', 'race-1');
    const parents = runs.filter((x) => tag(x, 'dagc_kind') === 'run');
    expect(parents).toHaveLength(1);
    const children = runs.filter((x) => tag(x, 'dagc_kind') === 'step');
    expect(children).toHaveLength(6);
    expect(new Set(children.map((x) => tag(x, 'mlflow.parentRunId')))).toEqual(new Set([parents[0]!.info.run_id]));
  });

  it('says which server it cannot reach, and where to set it', async () => {
    expect(() => mlflowSettings({}, {})).toThrow(UserError);
    const tracker = createMlflowTracker(mlflowSettings({ tracking_uri: 'http://127.0.0.1:9' }, {}), {});
    await expect(tracker.logStep({ runId: 'r', step: 's', attempt: 1, parameters: {}, metrics: {}, startMs: 0, endMs: 0 })).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
