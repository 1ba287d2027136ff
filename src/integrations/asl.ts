// Glue between the asl executor (AWS Step Functions running each step on Batch or ECS) and the services.
// Batch and ECS jobs share no disk, so file-system run log stores and catalogs cannot work there: they are
// refused before anything renders. The s3 providers need nothing changed: the jobs read the same config file
// (`dagc exec -c …`), so bucket and prefix reach them as written, and credentials come from the job's role.
// Secrets: a Batch SubmitJob or ECS RunTask override cannot carry `secrets` (they belong to the job or task
// definition), so the entrypoint in each job fetches the ARNs of `secret_as_env` itself, with the job's role:
// where the config leaves secrets at do-nothing, the jobs use aws-secrets-manager (a do-nothing '' for an ARN
// would run the step without its secret). A dotenv file is refused like a file-system store.
import type { ServiceSection } from '../config/types.js';
import type { Integration, IntegrationCheck } from './registry.js';
import { s3Settings } from '../services/s3-client.js';
import { awsSecretsSettings } from '../services/secrets/aws-secrets-manager.js';
import { UserError } from '../core/errors.js';
import { executorTypesOf } from '../config/executors.js';

const sharesNoDisk = (what: string, provider: string, fix: string): IntegrationCheck[] => [
  {
    severity: 'error',
    message: `the asl executor runs every step as a Batch or ECS job, and jobs share no disk: a ${provider} ${what} would be a different folder in each job`,
    hint: fix,
  },
];

/** A provider's config check (it throws UserErrors) as integration checks. */
const asChecks = (check: () => unknown): IntegrationCheck[] => {
  try {
    check();
    return [];
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return [{ severity: 'error', message: error.message, hint: error.hint }];
  }
};

const AWS_SECRETS: ServiceSection = { type: 'aws-secrets-manager', config: {} };

const checkS3 =
  (service: 'run_log_store' | 'catalog', extra: string[]) =>
  ({ section }: { section: { config: Readonly<Record<string, unknown>> } }): IntegrationCheck[] =>
    asChecks(() => s3Settings(service, section.config ?? {}, extra));

const RUN_LOG_FIX = 'use run_log_store: {type: s3, config: {bucket: …, prefix: …}}';
const CATALOG_FIX = 'use catalog: {type: s3, config: {bucket: …, prefix: …}} (or do-nothing if no step moves data)';

/** For both spellings of the executor (`step-functions` is an alias of `asl`). */
export const aslIntegrations: Integration[] = executorTypesOf('asl').flatMap((executor): Integration[] => [
  ...['file-system', 'chunked-fs'].map(
    (provider): Integration => ({
      executor,
      service: 'run_log_store',
      provider,
      validate: () => sharesNoDisk('run log store', provider, RUN_LOG_FIX),
    }),
  ),
  { executor, service: 'catalog', provider: 'file-system', validate: () => sharesNoDisk('catalog', 'file-system', CATALOG_FIX) },
  { executor, service: 'run_log_store', provider: 's3', validate: checkS3('run_log_store', []) },
  { executor, service: 'catalog', provider: 's3', validate: checkS3('catalog', ['compute_data_folder']) },
  { executor, service: 'secrets', provider: 'do-nothing', configureForExecution: () => AWS_SECRETS },
  {
    executor,
    service: 'secrets',
    provider: 'aws-secrets-manager',
    validate: ({ section }) => asChecks(() => awsSecretsSettings(section.config ?? {})),
  },
  {
    executor,
    service: 'secrets',
    provider: 'dotenv',
    validate: () => [
      {
        severity: 'error',
        message: 'the asl executor runs every step as a Batch or ECS job, and jobs share no disk: a dotenv secrets file here is not in the jobs',
        hint: 'give secret_as_env: {ENV_VAR: arn:aws:secretsmanager:…} in the asl config (each job fetches it with its role), or use env-secrets-manager with secrets in the job definition',
      },
    ],
  },
]);
