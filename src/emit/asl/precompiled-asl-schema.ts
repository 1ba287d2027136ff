// Placeholder for asl-validator's state machine validator, which scripts/build.mjs precompiles (asl-schema.ts,
// ajv standalone code) and puts in this module's place in dist/. Left undefined here, so tests compile the
// schema at run time and both paths stay exercised.
import type { ValidateFunction } from 'ajv';

export const validate: ValidateFunction | undefined = undefined;
