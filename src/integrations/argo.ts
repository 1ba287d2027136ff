// Argo's glue with the services (magnus-spec.md §6.2 pattern; DESIGN.md §1): every step of an Argo Workflow
// runs in its own pod, so a store on a file system is only shared when it lives on a persistent volume that
// every pod mounts (magnus 0.5 asked users to point their stores there, magnus-spec.md §6.5 Volumes).
//  - file-system / chunked-fs run log and file-system catalog: the folder must be on a mounted volume; a
//    relative folder is rewritten under the first volume inside the pods (configureForExecution).
//  - dotenv secrets: refused, since the .env file would have to be baked into the image.
//  - buffered run log: refused by the process-per-step rule in builtin.ts.
// A config without `image` is not a cluster config (the argo emitter refuses it there); it is the preview
// that `dagc compile --target argo` and `dagc emulate` build from a local config, whose pods run here on
// this machine. These checks stay quiet for it: the paths are right as they are.
import type { ServiceSection } from '../config/types.js';
import type { Integration, IntegrationCheck, IntegrationContext } from './registry.js';

interface Volume {
  claim: string;
  mountPath: string;
}

function isPreview(ctx: IntegrationContext): boolean {
  const image = ctx.executor.config?.image;
  return typeof image !== 'string' || !image.trim();
}

function volumesOf(ctx: IntegrationContext): Volume[] {
  const raw = ctx.executor.config?.persistent_volumes;
  if (!Array.isArray(raw)) return [];
  const out: Volume[] = [];
  for (const v of raw) {
    if (typeof v !== 'object' || v === null) continue;
    const { name, mount_path: mountPath } = v as { name?: unknown; mount_path?: unknown };
    if (typeof name === 'string' && typeof mountPath === 'string' && mountPath.startsWith('/'))
      out.push({ claim: name, mountPath: mountPath.length > 1 ? mountPath.replace(/\/+$/, '') : mountPath });
  }
  return out;
}

function under(folder: string, mountPath: string): boolean {
  return mountPath === '/' || folder === mountPath || folder.startsWith(mountPath + '/');
}

/** The folder inside the pods: absolute as given, relative ones under the first volume. */
function podFolder(folder: string, volumes: readonly Volume[]): string {
  if (folder.startsWith('/') || volumes.length === 0) return folder;
  const base = volumes[0]!.mountPath;
  const rel = folder.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return rel === '' || rel === '.' ? base : `${base === '/' ? '' : base}/${rel}`;
}

function folderIntegration(service: 'run_log_store' | 'catalog', provider: string, key: string, defaultFolder: string): Integration {
  const what = service === 'run_log_store' ? 'run log' : 'catalog';
  const folderOf = (section: ServiceSection) => {
    const v = section.config?.[key];
    return typeof v === 'string' && v ? v : defaultFolder;
  };
  return {
    executor: 'argo',
    service,
    provider,
    validate(ctx): IntegrationCheck[] {
      if (isPreview(ctx)) return [];
      const volumes = volumesOf(ctx);
      const folder = folderOf(ctx.section);
      if (volumes.length === 0)
        return [
          {
            severity: 'error',
            message: `the ${provider} ${what} keeps files in "${folder}", but every Argo step runs in its own pod: without a persistent volume each pod would see only its own files`,
            hint: `add executor.config.persistent_volumes: [{name: <PVC name>, mount_path: /mnt}] (the ${what} then goes under /mnt), or use an s3 ${what}`,
          },
        ];
      if (folder.startsWith('/') && !volumes.some((v) => under(folder, v.mountPath)))
        return [
          {
            severity: 'error',
            message: `the ${what} folder "${folder}" is not on any of the persistent volumes (${volumes.map((v) => v.mountPath).join(', ')})`,
            hint: `put ${service}.config.${key} under a mount_path, or give a relative folder (it goes under ${volumes[0]!.mountPath})`,
          },
        ];
      return [];
    },
    configureForExecution(ctx): ServiceSection {
      if (isPreview(ctx)) return ctx.section;
      const folder = podFolder(folderOf(ctx.section), volumesOf(ctx));
      return { type: ctx.section.type, config: { ...ctx.section.config, [key]: folder } };
    },
  };
}

export const argoIntegrations: Integration[] = [
  folderIntegration('run_log_store', 'chunked-fs', 'log_folder', '.run_log_store'),
  folderIntegration('run_log_store', 'file-system', 'log_folder', '.run_log_store'),
  folderIntegration('catalog', 'file-system', 'catalog_location', '.catalog'),
  {
    executor: 'argo',
    service: 'secrets',
    provider: 'dotenv',
    validate: (ctx) =>
      isPreview(ctx)
        ? []
        : [
            {
              severity: 'error',
              message: 'dotenv secrets would have to be baked into the image to reach the Argo pods',
              hint: 'give them as Kubernetes secrets: executor.config.secrets_from_k8s: [{environment_variable, secret_name, secret_key}] with secrets: {type: env-secrets-manager}',
            },
          ],
  },
];
