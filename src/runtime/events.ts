// What the runtime tells its caller while it works: the CLI turns these into a progress display or plain
// lines; tests collect them. The runtime itself never prints.
import type { Status } from '../services/run-log/types.js';

export type RuntimeEvent =
  | { kind: 'step-start'; step: string; stepType: string; attempt?: number }
  | { kind: 'step-end'; step: string; stepType: string; status: Status; mock: boolean; seconds: number; message: string }
  | { kind: 'output'; step: string; line: string; stream: 'stdout' | 'stderr' }
  | { kind: 'warning'; message: string; hint?: string };

export type EventSink = (event: RuntimeEvent) => void;

export const ignoreEvents: EventSink = () => {};
