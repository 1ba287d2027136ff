// Placeholder: scripts/build.mjs puts the precompiled validator of schemas/config.schema.json#/definitions/no_secrets_config
// here (ajv standalone code). Undefined in tests, which compile it at run time (schema-compile.ts).
import type { ValidateFunction } from 'ajv';

export const validate: ValidateFunction | undefined = undefined;
