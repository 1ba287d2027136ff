import type { Plugin } from 'esbuild';

/** Resolves asl-validator's `require("jsonpath-plus")` to src/emit/asl/fast-jsonpath.ts. */
export declare const fastJsonPath: Plugin;
