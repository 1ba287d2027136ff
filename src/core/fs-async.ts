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

const NAMES = [
  'access',
  'chmod',
  'link',
  'mkdir',
  'readFile',
  'readdir',
  'rename',
  'rm',
  'rmdir',
  'stat',
  'unlink',
  'utimes',
  'writeFile',
] as const;
type Promised = { [K in (typeof NAMES)[number]]: (typeof fs)[K]['__promisify__'] };
const made = Object.fromEntries(
  NAMES.map((name) => [name, promised(fs[name] as (...args: never[]) => void)]),
) as Promised;

export const {
  access,
  chmod,
  link,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  utimes,
  writeFile,
} = made;
export const realpath = promised<(path: string) => Promise<string>>(fs.realpath.native);
