// `dagc step-api …`: what the step-side Python API (python/_dagc_compat.py: get_secret, get_from_catalog,
// put_in_catalog, get_object, put_object) calls while a step runs. It is not for people: the runtime gives
// every step the environment it needs (runtime/tasks/environment.ts): DAGC_RUN_ID, DAGC_CONFIG_FILE,
// DAGC_PROJECT_DIR, DAGC_COMPUTE_DATA_FOLDER, DAGC_STEP_API_MODE and $DAGC_CATALOG_RECORD, the step's file of
// catalog entries, which the runtime adds to the step's data_catalog when the attempt ends (magnus recorded
// these in the step log the same way: interaction.py put_in_catalog/get_from_catalog).
//
//   dagc step-api secret NAME                 the value on stdout (a pipe to the step: never written anywhere)
//   dagc step-api secrets                     every secret, as one JSON object (magnus 2022's get())
//   dagc step-api catalog get|put PATTERN     through the configured catalog; the entries as JSON on stdout
//
// The services are the run's own, configured as the entrypoint configures them where the step runs.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, requirePositional } from './types.js';
import { UserError } from '../core/errors.js';
import { hasErrors } from '../core/diagnostics.js';
import { loadConfig } from '../config/load.js';
import { applyEra, eraOfVersion } from '../config/magnus-era.js';
import { configureServices } from '../integrations/configured.js';
import { createCatalog } from '../services/catalog/index.js';
import { createSecrets } from '../services/secrets/index.js';
import { stringifyJson } from '../core/py-float.js';

function need(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (!value) throw new UserError(`${name} is not set: dagc step-api runs only inside a step that dagc runs`, 'call it through `from dagc import …` (or magnus) in a step');
  return value;
}

export const command: Command = {
  name: 'step-api',
  summary: 'What the step-side Python API calls inside a running step (secrets, catalog get/put).',
  usage: 'dagc step-api secret NAME | dagc step-api secrets | dagc step-api catalog get|put PATTERN',
  options: {},
  async run(args, io) {
    const what = requirePositional(args, 0, 'secret or catalog');
    const env = io.env;
    const project = need(env, 'DAGC_PROJECT_DIR');
    const configFile = env.DAGC_CONFIG_FILE ? path.resolve(project, env.DAGC_CONFIG_FILE) : undefined;
    const loaded = await loadConfig(configFile, { cwd: project, env });
    if (hasErrors(loaded.diagnostics) || !loaded.value) {
      await io.diagnostics(loaded.diagnostics);
      return 2;
    }
    const era = env.DAGC_MAGNUS_ERA ? eraOfVersion(env.DAGC_MAGNUS_ERA) : undefined;
    const config = applyEra(loaded.value, era ? { era, because: 'the run' } : undefined);
    const services = configureServices(config, env.DAGC_STEP_API_MODE === 'entrypoint' ? 'entrypoint' : 'run');

    if (what === 'secrets') {
      io.out(`${JSON.stringify(await createSecrets(services.secrets, { cwd: project }).getAll())}\n`);
      return 0;
    }
    if (what === 'secret') {
      const name = requirePositional(args, 1, 'the secret name');
      io.out(await createSecrets(services.secrets, { cwd: project }).get(name));
      return 0;
    }
    if (what !== 'catalog') throw new UsageError(`unknown step-api call "${what}": secret, secrets or catalog`);
    const op = requirePositional(args, 1, 'get or put');
    const pattern = requirePositional(args, 2, 'the file pattern');
    if (op !== 'get' && op !== 'put') throw new UsageError(`dagc step-api catalog ${op}: get or put`);
    const runId = need(env, 'DAGC_RUN_ID');
    const catalog = createCatalog(services.catalog, { cwd: project });
    const computeDataFolder = env.DAGC_COMPUTE_DATA_FOLDER || catalog.computeDataFolder;
    // The step may run in its own workspace (runtime/workspace.ts): names are relative to where it runs.
    const workspace = path.resolve(io.cwd) === path.resolve(project) ? undefined : io.cwd;
    const request = { runId, computeDataFolder, pattern, ...(workspace ? { workspace } : {}) };
    const entries = op === 'get' ? await catalog.get(request) : await catalog.put(request);
    const record = env.DAGC_CATALOG_RECORD;
    if (record && entries.length) await appendFile(record, entries.map((e) => `${stringifyJson(e)}\n`).join(''));
    io.out(`${stringifyJson(entries)}\n`);
    return 0;
  },
};
