// What `dagc emulate --target asl --engine localstack` keeps of the aws-local-stepfunctions run it judges
// (src/emulate/asl/localstack.ts): every Task call with its request and the outcome the interpreter was given,
// and every execution's events, as a trace of state names. The asl emulator (index.ts) hands each Task handler
// and each execution to the recorder; nothing here changes what runs.

/** A Task's outcome as the interpreter saw it: its result, its error, or a StopExecution while it ran. */
export type TaskOutcome = { readonly output: unknown } | { readonly error: string; readonly cause: string } | { readonly stop: true };

export interface TaskCall {
  readonly state: string;
  /** The state's request (its Parameters as evaluated): what tells its calls apart. */
  readonly request: unknown;
  outcome?: TaskOutcome;
}

/**
 * One state event of a trace, as both engines give it: entered, exited, and for each error whether it was
 * retried, caught, or left the state (fail). `index` is the iteration of the outermost Map the state runs in
 * (how aws-local-stepfunctions tags the events of an iteration), absent outside maps.
 */
export interface TraceEvent {
  readonly state: string;
  readonly kind: 'entered' | 'exited' | 'retry' | 'catch' | 'fail';
  readonly error?: string;
  readonly index?: number;
}

export interface RecordedExecution {
  readonly name: string;
  readonly input: unknown;
  /** The machine it ran, where that is not the compiled one the run started: a part of a split machine. */
  readonly definition?: unknown;
  readonly calls: TaskCall[];
  readonly events: TraceEvent[];
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  error?: string;
  cause?: string;
}

type Handler = (input: unknown) => Promise<unknown>;

/** The events aws-local-stepfunctions gives (the fields read here). */
interface AslEvent {
  readonly type: string;
  readonly state?: { readonly name: string };
  readonly index?: number;
  readonly Error?: string;
  readonly Cause?: unknown;
}

export class AslRecorder {
  readonly executions: RecordedExecution[] = [];
  private current: RecordedExecution | undefined;
  private readonly pending: Promise<unknown>[] = [];

  /** `handler`, recording each call. `isStopped` tells whether the execution was stopped (StopExecution); `into`,
   * whose call it is (a part's, which runs while the run's own execution waits for it), else the run's. */
  task(state: string, handler: Handler, isStopped: () => boolean, into?: () => RecordedExecution | undefined): Handler {
    return async (input) => {
      const call: TaskCall = { state, request: asEvaluated(structuredClone(input)) };
      // The slot is taken when the call is made: calls of one state are replayed in this order.
      (into?.() ?? this.current)?.calls.push(call);
      const stoppedBefore = isStopped();
      const run = handler(input);
      this.pending.push(run.catch(() => undefined));
      try {
        const output = await run;
        // The job during which StopExecution came returns {Status: STOPPED}; a call made after it does too, but
        // then the execution was already stopped and the judge never makes it.
        call.outcome = !stoppedBefore && isStopped() ? { stop: true } : { output: output ?? null };
        return output;
      } catch (error) {
        const e = error as { name?: string; message?: string };
        call.outcome = { error: e.name ?? 'Error', cause: e.message ?? String(error) };
        throw error;
      }
    };
  }

  /** An execution starts: its events are read as the interpreter gives them, until it ends. */
  execution(name: string, input: unknown, events: AsyncGenerator<unknown>): void {
    const recorded: RecordedExecution = { name, input: structuredClone(input), calls: [], events: [], status: 'RUNNING' };
    this.executions.push(recorded);
    this.current = recorded;
    this.pending.push(this.read(recorded, events));
  }

  /** A part of a split machine starts (its parent's Task started it): an execution of its own, with its own calls
   * (task's `into`), replayed against `definition`. Made before the interpreter runs it, whose first Task may be
   * called before its run() returns; `follow` then reads its events. */
  child(name: string, input: unknown, definition: unknown): RecordedExecution {
    const recorded: RecordedExecution = { name, input: structuredClone(input), definition, calls: [], events: [], status: 'RUNNING' };
    this.executions.push(recorded);
    return recorded;
  }

  /** The events of an execution made by `child`. */
  follow(recorded: RecordedExecution, events: AsyncGenerator<unknown>): void {
    this.pending.push(this.read(recorded, events));
  }

  /** Every execution's events read and every Task call settled (a timed-out job ends after the interpreter moved on). */
  async settled(): Promise<void> {
    for (let n = 0; n < this.pending.length; n += 1) await this.pending[n];
  }

  private async read(recorded: RecordedExecution, events: AsyncGenerator<unknown>): Promise<void> {
    // A failure stays pending until the interpreter says whether it retried or caught it (aws-local-stepfunctions
    // sends StateFailed first, then StateRetried or StateCaught); one it did neither to left the state.
    const unresolved = new Map<string, { state: string; kind: TraceEvent['kind']; error?: string; index?: number }[]>();
    const place = (e: AslEvent) => `${e.state?.name ?? ''}\n${e.index ?? ''}`;
    const trace: { state: string; kind: TraceEvent['kind']; error?: string; index?: number }[] = [];
    for await (const raw of events) {
      const e = raw as AslEvent;
      const base = { state: e.state?.name ?? '', ...(e.index !== undefined ? { index: e.index } : {}) };
      switch (e.type) {
        case 'StateEntered':
          trace.push({ ...base, kind: 'entered' });
          break;
        case 'StateExited':
          trace.push({ ...base, kind: 'exited' });
          break;
        case 'StateFailed': {
          const event = { ...base, kind: 'fail' as const, error: e.Error ?? 'States.Runtime' };
          trace.push(event);
          unresolved.set(place(e), [...(unresolved.get(place(e)) ?? []), event]);
          break;
        }
        case 'StateRetried':
        case 'StateCaught': {
          const waiting = unresolved.get(place(e));
          const event = waiting?.shift();
          if (event) event.kind = e.type === 'StateRetried' ? 'retry' : 'catch';
          break;
        }
        case 'ExecutionSucceeded':
          recorded.status = 'SUCCEEDED';
          break;
        case 'ExecutionFailed':
          recorded.status = 'FAILED';
          recorded.error = e.Error;
          recorded.cause = typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause);
          break;
        case 'ExecutionAborted':
          recorded.status = 'ABORTED';
          break;
        case 'ExecutionTimeout':
          recorded.status = 'TIMED_OUT';
          break;
        default:
          break;
      }
    }
    recorded.events.push(...trace.map((t) => ({ ...t }) as TraceEvent));
  }
}

/**
 * The request as the definition evaluates it: the emulator's copy reads a container's `States.JsonToString(PATH)`
 * environment value by path (execution-input.ts) and its container serializes it, so here that value becomes the
 * JSON text the intrinsic gives (compact, as LocalStack's json_to_string and JSON.stringify write it).
 */
function asEvaluated(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    if (key === 'Environment')
      return value.map((e: unknown) => {
        if (e && typeof e === 'object' && 'Value' in e && typeof (e as { Value: unknown }).Value !== 'string') return { ...e, Value: JSON.stringify((e as { Value: unknown }).Value) };
        return e;
      });
    return value.map((v) => asEvaluated(v));
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asEvaluated(v, k)]));
  return value;
}
