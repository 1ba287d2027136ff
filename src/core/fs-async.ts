// Promise forms of the node:fs calls that the per-step entrypoint's modules use, made from fs's callback API.
// Importing node:fs/promises loads Node's FileHandle with readline's interface and the web streams behind it,
// ~1 ms of every `dagc exec` process, which never opens a FileHandle (issue 16: the entrypoint loads only what
// its step needs; test/entrypoint-modules.test.ts). Each call is the same libuv request as the promise API's,
// with the same errors; `realpath` is fs.realpath.native, the call fs/promises makes (fs.realpath walks the
// path in JavaScript instead). The wrappers are plain closures: util.promisify costs ~0.3 ms for these at load.
import * as fs from 'node:fs';

type Callback = (error: NodeJS.ErrnoException | null, value?: unknown) => void;

function promised<T>(call: (...args: never[]) => void): T {
  const f = call as unknown as (...args: unknown[]) => void;
  return ((...args: unknown[]) =>
    new Promise((resolve, reject) => {
      const done: Callback = (error, value) => (error ? reject(error) : resolve(value));
      f(...args, done);
    })) as T;
}

export const access = promised<typeof fs.access.__promisify__>(fs.access);
export const chmod = promised<typeof fs.chmod.__promisify__>(fs.chmod);
export const link = promised<typeof fs.link.__promisify__>(fs.link);
export const mkdir = promised<typeof fs.mkdir.__promisify__>(fs.mkdir);
export const readFile = promised<typeof fs.readFile.__promisify__>(fs.readFile);
export const readdir = promised<typeof fs.readdir.__promisify__>(fs.readdir);
export const realpath = promised<(path: string) => Promise<string>>(fs.realpath.native);
export const rename = promised<typeof fs.rename.__promisify__>(fs.rename);
export const rm = promised<typeof fs.rm.__promisify__>(fs.rm);
export const rmdir = promised<typeof fs.rmdir.__promisify__>(fs.rmdir);
export const stat = promised<typeof fs.stat.__promisify__>(fs.stat);
export const unlink = promised<typeof fs.unlink.__promisify__>(fs.unlink);
export const utimes = promised<typeof fs.utimes.__promisify__>(fs.utimes);
export const writeFile = promised<typeof fs.writeFile.__promisify__>(fs.writeFile);
