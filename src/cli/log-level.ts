// `--log-level` (magnus's option: INFO, DEBUG, WARNING, ERROR, FATAL; magnus-spec.md §7): how much `dagc run`
// and `dagc execute` print while a run goes. DEBUG and INFO print everything (dagc's default: each step's
// start, output and end); WARNING keeps warnings and failed steps; ERROR and FATAL (CRITICAL, which magnus
// rendered for FATAL, quirk §10.11) keep failed steps only. The run log records the same run at every level.
import type { RuntimeEvent } from '../runtime/events.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { UsageError } from './types.js';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'FATAL', 'CRITICAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined) return 'INFO';
  const level = raw.toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new UsageError(`--log-level ${raw}: one of ${LOG_LEVELS.filter((l) => l !== 'CRITICAL').join(', ')}`);
  return level as LogLevel;
}

const rank = (level: LogLevel): number => ({ DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, FATAL: 4, CRITICAL: 4 })[level];

/** Whether an event is printed at this level. */
export function shown(level: LogLevel, event: RuntimeEvent): boolean {
  const r = rank(level);
  if (r <= 1) return true;
  if (event.kind === 'step-end') return event.status === 'FAIL';
  if (event.kind === 'warning') return r === 2;
  return false;
}

/** The load diagnostics printed at this level: errors always, warnings up to WARNING. */
export function shownDiagnostics(level: LogLevel, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return rank(level) <= 2 ? [...diagnostics] : diagnostics.filter((d) => d.severity === 'error');
}
