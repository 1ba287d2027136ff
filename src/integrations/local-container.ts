// local-container's glue with the services (magnus-spec.md §6.2 table): dagc traverses on the host and each
// task runs `dagc exec` in a container, which must reach the same run log, catalog and secrets.
//
// Departure from magnus, on purpose: magnus mounted the run log folder at /tmp/run_logs/ and the catalog at
// /tmp/catalog/ and rewrote the config inside the container, so a step's catalog entries named
// /tmp/catalog/ where a host step's named .catalog. dagc mounts the working directory and every service path
// at the same absolute path inside the container instead: the config needs no rewriting and a step records
// exactly what it would record on the host (DESIGN.md invariant 1).
//  - file-system / chunked-fs run log, file-system catalog: their folder, read-write.
//  - dotenv secrets: the file, read-only (a step may read secrets, never change them).
//  - env-secrets-manager: each secret variable a step asks for, passed through by name.
//  - s3 stores: the AWS variables the SDK reads, passed through by name, and the shared credentials files.
//  - buffered run log: refused (builtin.ts: every step is its own process).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ContainerContext, ContainerGlue, ContainerMount, Integration } from './registry.js';

function folder(ctx: ContainerContext, key: string, fallback: string): string {
  const v = ctx.section.config?.[key];
  return path.resolve(ctx.cwd, typeof v === 'string' && v ? v : fallback);
}

const samePath = (source: string, readOnly: boolean): ContainerMount => ({ source, target: source, readOnly });

function folderGlue(service: 'run_log_store' | 'catalog', provider: string, key: string, fallback: string): Integration {
  return {
    executor: 'local-container',
    service,
    provider,
    containerGlue: (ctx): ContainerGlue => ({ mounts: [samePath(folder(ctx, key, fallback), false)] }),
  };
}

/** Variables the AWS SDK for JavaScript reads for credentials, region and endpoints. */
const AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_CA_BUNDLE',
];

function awsGlue(ctx: ContainerContext): ContainerGlue {
  const env: Record<string, string | null> = {};
  for (const name of AWS_VARIABLES) if (ctx.env[name] !== undefined) env[name] = null;
  // The shared config and credentials files: where the host's SDK would read them, mounted read-only at the
  // same path and named explicitly (the container's HOME is not the host's).
  const home = ctx.env.HOME;
  const mounts: ContainerMount[] = [];
  const files = {
    AWS_CONFIG_FILE: ctx.env.AWS_CONFIG_FILE ?? (home ? path.join(home, '.aws', 'config') : undefined),
    AWS_SHARED_CREDENTIALS_FILE: ctx.env.AWS_SHARED_CREDENTIALS_FILE ?? (home ? path.join(home, '.aws', 'credentials') : undefined),
  };
  for (const [name, file] of Object.entries(files)) {
    if (!file || !existsSync(file)) continue;
    const abs = path.resolve(ctx.cwd, file);
    mounts.push(samePath(abs, true));
    env[name] = abs;
  }
  return { mounts, env };
}

export const localContainerIntegrations: Integration[] = [
  folderGlue('run_log_store', 'chunked-fs', 'log_folder', '.run_log_store'),
  folderGlue('run_log_store', 'file-system', 'log_folder', '.run_log_store'),
  folderGlue('catalog', 'file-system', 'catalog_location', '.catalog'),
  {
    executor: 'local-container',
    service: 'secrets',
    provider: 'dotenv',
    // A missing file is not mounted: the step then fails on its secrets exactly as it would on the host.
    containerGlue: (ctx): ContainerGlue => {
      const file = folder(ctx, 'location', '.env');
      return { mounts: existsSync(file) ? [samePath(file, true)] : [] };
    },
  },
  {
    executor: 'local-container',
    service: 'secrets',
    provider: 'env-secrets-manager',
    containerGlue: (ctx): ContainerGlue => ({
      env: Object.fromEntries(ctx.secretNames.filter((n) => ctx.env[n] !== undefined).map((n) => [n, null])),
    }),
  },
  { executor: 'local-container', service: 'run_log_store', provider: 's3', containerGlue: awsGlue },
  { executor: 'local-container', service: 'catalog', provider: 's3', containerGlue: awsGlue },
];
