// Placeholder for the validators that scripts/build.mjs precompiles from schemas/*.json (ajv standalone code)
// and puts in this module's place in dist/. Left undefined here, so tests compile the schemas at run time
// (src/front-end/schema-compile.ts) and both paths stay exercised.
import type { ValidateFunction } from 'ajv';

export const pipeline: ValidateFunction | undefined = undefined;
export const config: ValidateFunction | undefined = undefined;
/** Section → provider type → the definition its config follows (schema-compile.ts sectionDefinitions). */
export const SECTION_DEFINITIONS: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined = undefined;
