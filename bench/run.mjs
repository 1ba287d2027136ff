// `npm run bench`: every bench, each reporting ratios to a baseline measured in the same run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
console.log('== runtime ==');
const { benchRuntime } = await import('./runtime.mjs');
console.log(benchRuntime());
console.log('\n== runtime at scale (entrypoint, bash per step, a 100,000-item map; DAGC_BENCH_MAP_ITEMS) ==');
console.log((await import('./runtime-scale.mjs')).benchRuntimeScale());
console.log('\n== isolation ==');
{
  const { benchIsolation, benchIsolationCpu } = await import('./isolation.mjs');
  console.log(benchIsolation());
  console.log(await benchIsolationCpu());
}
if (existsSync(here('./validate.mjs'))) {
  console.log('\n== validate ==');
  await import('./validate.mjs');
}
console.log('\n== config (target and provider settings) ==');
console.log((await import('./config.mjs')).benchConfig());
console.log('\n== argo ==');
const { benchArgo } = await import('./argo.mjs');
console.log(benchArgo());
console.log('\n== compile at scale (10,000 steps, each target; 4k/2k) ==');
console.log((await import('./compile-scale.mjs')).benchCompileScale());
console.log('\n== asl ==');
console.log((await import('./asl.mjs')).benchAsl());
console.log('\n== deploy (start-up to the first request) ==');
console.log((await import('./deploy.mjs')).benchDeploy());
console.log('\n== local-container ==');
console.log((await import('./container.mjs')).benchContainer());
console.log('\n== report, graph svg, runs show --logs, compile ==');
console.log((await import('./report.mjs')).benchReport());
console.log(
  '\n(the 10,000-step chain and 200×50 parallel under the Argo and ASL emulators, against dagc run: `npm run bench:emulate`, ~1 h on 2 cores)',
);
