// How `dagc run` shows a run: on a TTY a live block (running steps, counts) redrawn with log-update while step
// output scrolls above it; otherwise plain lines. Either way a closing summary. Step output goes to stdout,
// dagc's own lines to stderr, so `dagc run … > out.txt` keeps just what the steps printed.
import type { Io } from './types.js';
import type { RuntimeEvent } from '../runtime/events.js';

export interface Progress {
  onEvent(event: RuntimeEvent): void;
  /** A line of dagc's own (on stderr), written above the live display: e.g. `dagc watch`'s engine view. */
  note(text: string): void;
  /** Stops the live display (before the summary is printed). */
  stop(): void;
  readonly counts: { succeeded: number; failed: number; mocked: number };
}

const MARK = { SUCCESS: '✓', FAIL: '✗' } as const;

function describeEnd(e: Extract<RuntimeEvent, { kind: 'step-end' }>): string {
  const mark = e.status === 'SUCCESS' ? MARK.SUCCESS : MARK.FAIL;
  const extra = e.mock ? ' (from the previous run)' : ` (${e.seconds.toFixed(2)}s)`;
  return `${mark} ${e.step} ${e.status}${extra}${e.status !== 'SUCCESS' && e.message ? `: ${e.message}` : ''}`;
}

/** Counts steps that do work; success and fail nodes only close their branch. */
function count(counts: Progress['counts'], e: Extract<RuntimeEvent, { kind: 'step-end' }>): void {
  if (e.stepType === 'success' || e.stepType === 'fail') return;
  if (e.mock) counts.mocked++;
  else if (e.status === 'SUCCESS') counts.succeeded++;
  else counts.failed++;
}

export function createPlainProgress(io: Io): Progress {
  const counts = { succeeded: 0, failed: 0, mocked: 0 };
  return {
    counts,
    onEvent(e) {
      if (e.kind === 'output') io.out(`${e.step} | ${e.line}\n`);
      else if (e.kind === 'warning') io.err(`warning: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      else if (e.kind === 'step-start') io.err(`▶ ${e.step}${e.attempt && e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}\n`);
      else {
        count(counts, e);
        io.err(`${describeEnd(e)}\n`);
      }
    },
    note(text) {
      io.err(`${text}\n`);
    },
    stop() {},
  };
}

/** The live display for terminals; log-update is loaded only here, so non-TTY runs never pay for it. */
export async function createLiveProgress(io: Io): Promise<Progress> {
  const { createLogUpdate } = await import('log-update');
  const live = createLogUpdate(process.stderr, { showCursor: true });
  const counts = { succeeded: 0, failed: 0, mocked: 0 };
  const running = new Map<string, number>();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const render = () => {
    const now = Date.now();
    const lines = [...running.entries()]
      .slice(0, 8)
      .map(([step, since]) => `  ${frames[frame % frames.length]} ${step} ${((now - since) / 1000).toFixed(1)}s`);
    if (running.size > 8) lines.push(`  … and ${running.size - 8} more`);
    lines.push(`${counts.succeeded} done, ${running.size} running, ${counts.failed} failed${counts.mocked ? `, ${counts.mocked} from the previous run` : ''}`);
    live(lines.join('\n'));
  };
  const timer = setInterval(() => {
    frame++;
    render();
  }, 100);
  timer.unref();
  const above = (write: () => void) => {
    live.clear();
    write();
    render();
  };
  return {
    counts,
    onEvent(e) {
      if (e.kind === 'output') above(() => io.out(`${e.step} | ${e.line}\n`));
      else if (e.kind === 'warning') above(() => io.err(`warning: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`));
      else if (e.kind === 'step-start') {
        running.set(e.step, Date.now());
        render();
      } else {
        running.delete(e.step);
        count(counts, e);
        above(() => io.err(`${describeEnd(e)}\n`));
      }
    },
    note(text) {
      above(() => io.err(`${text}\n`));
    },
    stop() {
      clearInterval(timer);
      live.clear();
      live.done();
    },
  };
}
