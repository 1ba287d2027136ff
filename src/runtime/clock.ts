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

/** Epoch milliseconds with sub-millisecond precision, comparable across processes (record order). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function secondsBetween(startMs: number, endMs: number): number {
  return Math.round(endMs - startMs) / 1000;
}
