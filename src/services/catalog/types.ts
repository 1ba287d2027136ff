// The catalog moves data files between steps and records each with its sha256 (spec §5).
import type { DataCatalogEntry } from '../run-log/types.js';
import { UserError } from '../../core/errors.js';

export interface CatalogGetPut {
  runId: string;
  /** The node's compute data folder, relative to the working directory (e.g. 'data'). */
  computeDataFolder: string;
  pattern: string;
  /**
   * The folder the step ran in, when it is not the working directory (an isolated workspace,
   * src/runtime/workspace.ts): the compute data folder and the entry names are relative to it.
   */
  workspace?: string;
}

export interface Catalog {
  /** The provider name, e.g. 'file-system'. */
  readonly name: string;
  /** Recorded as catalog_handler_location (e.g. '.catalog'). */
  readonly location: string;
  /** The config's compute_data_folder (default 'data'). */
  readonly computeDataFolder: string;
  /**
   * Copies files matching `pattern` from the run's catalog into the compute data folder.
   * Throws CatalogError (a step failure, not a crash) when nothing matches.
   */
  get(req: CatalogGetPut): Promise<DataCatalogEntry[]>;
  /** Copies files matching `pattern` inside the compute data folder into the run's catalog. */
  put(req: CatalogGetPut): Promise<DataCatalogEntry[]>;
  /** Stores a file given by content (e.g. a step's captured output) under `name`. */
  putContent(runId: string, name: string, content: Buffer | string): Promise<DataCatalogEntry>;
  /** Copies every file of an earlier run's catalog into a new run's (re-runs, spec §3.11). */
  copyRun(fromRunId: string, toRunId: string): Promise<void>;
  /**
   * Throws the CatalogError copyRun would throw for `runId` as a source (no catalog folder, a folder linking
   * out), without copying: a re-run checks it before it creates its run record, so a refused re-run leaves no
   * record (issue 19). Catalogs that keep nothing have none.
   */
  checkRun?(runId: string): Promise<void>;
}

/**
 * A catalog failure that fails the step with a clear message. It is a UserError (with a hint) so that where it
 * escapes a command (e.g. copying a previous run's catalog for --use-cached) it is printed without a stack.
 */
export class CatalogError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'CatalogError';
  }
}
