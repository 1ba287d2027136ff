// The providers' config validators, one module each (scripts/build.mjs precompiles them in these files' place),
// so a command loads only those of the types its config names. The list is the config schema's own
// (schema-compile.ts splitDefinitions; src/front-end/schema.test.ts holds the two equal).
import type { ValidateFunction } from 'ajv';

type Loader = () => Promise<{ validate: ValidateFunction | undefined }>;

export const DEFINITION_LOADERS: Readonly<Record<string, Loader>> = {
  argo_executor_config: () => import('./precompiled/argo_executor_config.js'),
  asl_executor_config: () => import('./precompiled/asl_executor_config.js'),
  aws_secrets_manager_config: () => import('./precompiled/aws_secrets_manager_config.js'),
  bash_executor_config: () => import('./precompiled/bash_executor_config.js'),
  buffered_run_log_config: () => import('./precompiled/buffered_run_log_config.js'),
  do_nothing_catalog_config: () => import('./precompiled/do_nothing_catalog_config.js'),
  dotenv_secrets_config: () => import('./precompiled/dotenv_secrets_config.js'),
  file_system_catalog_config: () => import('./precompiled/file_system_catalog_config.js'),
  folder_run_log_config: () => import('./precompiled/folder_run_log_config.js'),
  local_container_executor_config: () => import('./precompiled/local_container_executor_config.js'),
  local_executor_config: () => import('./precompiled/local_executor_config.js'),
  mlflow_tracker_config: () => import('./precompiled/mlflow_tracker_config.js'),
  no_secrets_config: () => import('./precompiled/no_secrets_config.js'),
  no_tracker_config: () => import('./precompiled/no_tracker_config.js'),
  s3_catalog_config: () => import('./precompiled/s3_catalog_config.js'),
  s3_run_log_config: () => import('./precompiled/s3_run_log_config.js'),
};
