// asl-validator 4's JSON Schema step (checks/json-schema-errors.js with both checks on), set up once: the same
// schemas, Ajv options and formats. Compiling it costs ~0.3 s, which every ASL compile paid before its first
// definition, however small the pipeline (issue 16: schema validators compiled at build time, not at start-up).
// So scripts/build.mjs compiles it here into ajv standalone code that takes precompiled-asl-schema.ts's place in
// dist/; tests (which run the sources) compile it at run time through the same function, and
// asl-schema.test.ts checks the standalone code against it.
//
// Ajv itself, ajv-formats' keywords and ajv's standalone writer are loaded only by the two functions that use
// them, never at start-up: the precompiled validator needs only ASL_FORMATS, and loading ajv cost every ASL
// compile a third of its own work (issue 16).
import { createRequire as requireFrom } from 'node:module';
import type { Ajv, Format, ValidateFunction, _ as CodeTag } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import jsonata from 'jsonata';
import { registerAll } from 'asl-path-validator';
import { isArnFormatValid } from 'asl-validator/dist/src/checks/formats.js';
import common from 'asl-validator/dist/src/schemas/common.json' with { type: 'json' };
import paths from 'asl-validator/dist/src/schemas/paths.json' with { type: 'json' };
import jsonataSchema from 'asl-validator/dist/src/schemas/jsonata.json' with { type: 'json' };
import choice from 'asl-validator/dist/src/schemas/choice.json' with { type: 'json' };
import fail from 'asl-validator/dist/src/schemas/fail.json' with { type: 'json' };
import parallel from 'asl-validator/dist/src/schemas/parallel.json' with { type: 'json' };
import pass from 'asl-validator/dist/src/schemas/pass.json' with { type: 'json' };
import baseStateMachine from 'asl-validator/dist/src/schemas/base-state-machine.json' with { type: 'json' };
import stateMachine from 'asl-validator/dist/src/schemas/state-machine.json' with { type: 'json' };
import state from 'asl-validator/dist/src/schemas/state.json' with { type: 'json' };
import succeed from 'asl-validator/dist/src/schemas/succeed.json' with { type: 'json' };
import task from 'asl-validator/dist/src/schemas/task.json' with { type: 'json' };
import wait from 'asl-validator/dist/src/schemas/wait.json' with { type: 'json' };
import map from 'asl-validator/dist/src/schemas/map.json' with { type: 'json' };
import errorsSchema from 'asl-validator/dist/src/schemas/errors.json' with { type: 'json' };

/*
 * ajv's packages, loaded when first asked for. In a bundle (CommonJS, or the build's ES module with a require
 * of its own) these are plain require() calls, which esbuild bundles or leaves to node_modules as the bundle
 * says; run from the sources (ES modules, tests) a require is made from this file.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const sourceRequire = (specifier: string): unknown => requireFrom(import.meta.url)(specifier);
const inBundle = typeof require === 'function';
const ajvModule = () =>
  (inBundle ? require('ajv') : sourceRequire('ajv')) as {
    Ajv: new (options: object) => Ajv;
    _: typeof CodeTag;
  };
const addFormats = (ajv: Ajv): Ajv => {
  const mod = (inBundle ? require('ajv-formats') : sourceRequire('ajv-formats')) as
    ((ajv: Ajv) => Ajv) | { default: (ajv: Ajv) => Ajv };
  return (typeof mod === 'function' ? mod : mod.default)(ajv);
};
const standaloneWriter = () =>
  (inBundle
    ? require('ajv/dist/standalone/index.js')
    : sourceRequire('ajv/dist/standalone/index.js')) as unknown;
/* eslint-enable @typescript-eslint/no-require-imports */
const STATE_MACHINE = 'http://asl-validator.cloud/state-machine.json#';

/**
 * The formats json-schema-errors.js adds after ajv-formats' (whose later additions replace earlier ones, as
 * there): JSONata, asl-path-validator's four path formats, the ARN. Every one is a pure function of its
 * string, and a machine repeats its paths and ARNs in every state (issue 16: ~0.3 s of a 10,000-step compile
 * re-parsed the same few paths), so each answer is kept.
 */
function aslOwnFormats(): Record<string, (value: string) => boolean> {
  const out: Record<string, (value: string) => boolean> = {};
  const add = (name: string, format: (value: string) => boolean) => {
    const known = new Map<string, boolean>();
    out[name] = (value: string) => {
      let ok = known.get(value);
      if (ok === undefined) known.set(value, (ok = format(value)));
      return ok;
    };
  };
  const validateJsonataString = (value: string) => {
    const trimmed = value.trim();
    try {
      let expr = trimmed.startsWith('{%') ? trimmed.slice(2) : trimmed;
      expr = expr.endsWith('%}') ? expr.slice(0, -2) : expr;
      jsonata(expr);
      return true;
    } catch {
      return false;
    }
  };
  add('jsonata_string', validateJsonataString);
  add('maybe_jsonata_string', (value: string) => {
    const trimmed = value.trim();
    return trimmed.startsWith('{%') || trimmed.endsWith('%}') ? validateJsonataString(trimmed) : true;
  });
  // registerAll only calls addFormat (asl-path-validator's ajv.js): its formats, collected.
  registerAll({
    addFormat: (name: string, format: (value: string) => boolean) => add(name, format),
  } as unknown as Ajv);
  add('asl_arn', isArnFormatValid);
  return out;
}

/** Every format the schemas may name, by name: ajv-formats' full set, then asl-validator's own. The standalone
 * code refers to this object (`code.formats`), so that the precompiled validator runs these same functions. */
export const ASL_FORMATS: Readonly<Record<string, Format>> = { ...fullFormats, ...aslOwnFormats() };

/** asl-validator's Ajv: `formatsModule`, when given, is the module standalone code reaches ASL_FORMATS in. */
function createAslAjv(formatsModule?: string): Ajv {
  const { Ajv, _ } = ajvModule();
  const ajv = new Ajv({
    schemas: [
      common,
      paths,
      jsonataSchema,
      choice,
      fail,
      parallel,
      pass,
      baseStateMachine,
      stateMachine,
      state,
      succeed,
      task,
      wait,
      map,
      errorsSchema,
    ],
    allowUnionTypes: true,
    // ajv's _`` writes a string it is given as a JS string literal.
    ...(formatsModule !== undefined
      ? { code: { source: true, esm: true, formats: _`require(${formatsModule}).ASL_FORMATS` } }
      : {}),
  });
  addFormats(ajv); // its formats and keywords (formatMaximum, …), as json-schema-errors.js adds them
  for (const [name, format] of Object.entries(ASL_FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

/** The state machine's validator, compiled now (tests; the build precompiles it). */
export function compileAslValidator(): ValidateFunction {
  const validate = createAslAjv().getSchema(STATE_MACHINE);
  if (!validate) throw new Error('asl-validator: state-machine.json is not among its schemas');
  return validate;
}

type StandaloneCode = (ajv: Ajv, refs: Record<string, string>) => string;

/**
 * ES module source exporting `validate` (scripts/build.mjs puts it in precompiled-asl-schema.ts's place):
 * `formatsModule` is what its require() of this module is written as, resolved where the source is bundled.
 */
export function standaloneAslSource(formatsModule: string): string {
  const mod = standaloneWriter() as StandaloneCode | { default: StandaloneCode };
  const standaloneCode = typeof mod === 'function' ? mod : mod.default;
  return standaloneCode(createAslAjv(formatsModule), { validate: STATE_MACHINE });
}
