// Times in the run log are ISO-8601 with the local offset (DESIGN.md: not magnus's str(datetime)).

function pad(n: number, width = 2): string {
  return String(Math.trunc(Math.abs(n))).padStart(width, '0');
}

export function isoNow(date = new Date()): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

// The epoch, in milliseconds, at this process's hrtime zero. Read through process.hrtime rather than the global
// performance, whose first use loads perf_hooks' eleven modules: ~3 ms of every `dagc exec` (issue 16). Date.now()
// has whole milliseconds, so two processes' clocks agree to within one; steps of one chain are further apart.
const HRTIME_ORIGIN = Date.now() - Number(process.hrtime.bigint()) / 1e6;

/** Epoch milliseconds with sub-millisecond precision, comparable across processes (record order). */
export function preciseNow(): number {
  return HRTIME_ORIGIN + Number(process.hrtime.bigint()) / 1e6;
}

export function secondsBetween(startMs: number, endMs: number): number {
  return Math.round(endMs - startMs) / 1000;
}
