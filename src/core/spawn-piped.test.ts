// spawnPiped against real processes: output arrives as written (a multi-byte character split across writes
// included), a program that does not exist is an error rather than an exit code, and a timeout or an abort
// stops the whole process group (a grandchild too).
import { describe, expect, it } from 'vitest';
import { spawnPiped } from './spawn-piped.js';

const collect = () => {
  let out = '';
  let err = '';
  return { out: (t: string) => void (out += t), err: (t: string) => void (err += t), text: () => ({ out, err }) };
};

describe('spawnPiped', () => {
  it('pipes stdout and stderr and gives the exit code', async () => {
    const io = collect();
    // "é" is two bytes in UTF-8; the child writes them in two separate writes.
    const script = "process.stdout.write(Buffer.from([0xc3])); setTimeout(() => { process.stdout.write(Buffer.from([0xa9])); process.stderr.write('e'); process.exit(3); }, 50);";
    const ran = await spawnPiped(process.execPath, ['-e', script], { cwd: process.cwd(), env: process.env, ...io });
    expect(ran).toMatchObject({ code: 3, timedOut: false });
    expect(io.text()).toEqual({ out: 'é', err: 'e' });
  });

  it('says why a program could not start', async () => {
    const ran = await spawnPiped('/nonexistent/dagc-no-such-program', [], { cwd: process.cwd(), env: process.env, ...collect() });
    expect(ran.error).toMatch(/ENOENT/);
  });

  it('stops the process group at the timeout, and on abort', async () => {
    // A shell that starts a grandchild and waits: both must be gone for the pipes to close.
    const started = Date.now();
    const timed = await spawnPiped('sh', ['-c', 'sleep 30 & wait'], { cwd: process.cwd(), env: process.env, ...collect(), timeoutSeconds: 0.3 });
    expect(timed.timedOut).toBe(true);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const stopped = await spawnPiped('sh', ['-c', 'sleep 30 & wait'], { cwd: process.cwd(), env: process.env, ...collect(), signal: abort.signal });
    expect(stopped.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
