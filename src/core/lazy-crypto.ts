// node:crypto, loaded when first used rather than when a module that may use it is imported. Loading it cost a
// `dagc exec` more than its whole run log work (issue 16: the entrypoint loads only what its step needs), and
// most steps never hash or draw a random number. Node 20 has no process.getBuiltinModule, hence createRequire.
import type * as NodeCrypto from 'node:crypto';
import { createRequire } from 'node:module';

type Crypto = typeof NodeCrypto;

let loaded: Crypto | undefined;

export function nodeCrypto(): Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as Crypto);
}
