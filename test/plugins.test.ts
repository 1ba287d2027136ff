// Plugins (src/config/plugins.ts, README "Plugins") for real: fixtures/plugins/dagc-plugin-example is
// installed with npm into a temporary project, as a user would install a published one, and its secrets
// provider, target and integration are used through the real CLI. A missing plugin and a plugin that takes a
// built-in name are located exit-2 errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);

/** `npm install --no-save` of local folders (no registry needed): copies, as a published package would be. */
function npmInstall(...folders: string[]): void {
  const npm = spawnSync('npm', ['install', '--no-save', '--install-links', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...folders], { cwd: dir, encoding: 'utf8' });
  if (npm.status !== 0) throw new Error(`npm install failed:\n${npm.stderr}`);
}

beforeAll(() => {
  write('package.json', '{ "name": "plugin-user", "private": true }\n');
  // A plugin that claims a built-in provider's name.
  const clash = path.join(dir, 'src-clash');
  mkdirSync(clash);
  writeFileSync(path.join(clash, 'package.json'), '{ "name": "dagc-plugin-clash", "version": "1.0.0", "type": "module", "exports": "./index.js" }\n');
  writeFileSync(path.join(clash, 'index.js'), "export default { providers: [{ service: 'secrets', name: 'dotenv', create() { return {}; } }] };\n");
  // A target whose compiler leaves a check to finish after its output is serialised (EmitResult.deferred, as a
  // split ASL machine's validation): it reports the files of the output folder it sees meanwhile, and refuses
  // the output when the config says so.
  const checked = path.join(dir, 'src-checked');
  mkdirSync(checked);
  writeFileSync(path.join(checked, 'package.json'), '{ "name": "dagc-plugin-checked", "version": "1.0.0", "type": "module", "exports": "./index.js" }\n');
  writeFileSync(
    path.join(checked, 'index.js'),
    [
      "import { readdirSync } from 'node:fs';",
      'const at = { file: "pipeline.yaml", start: { line: 1, column: 1 } };',
      'export default { targets: [{',
      "  name: 'checked', executorTypes: ['checked'],",
      "  configSchema: { type: ['object', 'null'], additionalProperties: false, properties: { refuse: { type: 'boolean' } } },",
      '  defaultOutput: (base) => `${base}.txt`,',
      '  compile(ir, config, options) {',
      "    const refuse = config.executor.type === 'checked' && config.executor.config?.refuse === true;",
      "    return { files: [{ path: options.outputName, format: 'text', body: 'new\\n' }], diagnostics: [], deferred: () => ({",
      "      finish: async () => [{ code: 'TEST-SEEN', severity: 'warning', message: `seen in out/: ${readdirSync('out').sort().join(' ')}`, ...at },",
      "        ...(refuse ? [{ code: 'TEST-REFUSED', severity: 'error', message: 'refused by the check', ...at }] : [])],",
      '    }) };',
      '  },',
      '}] };',
      '',
    ].join('\n'),
  );
  npmInstall(path.join(ROOT, 'fixtures', 'plugins', 'dagc-plugin-example'), clash, checked);
  write(
    'pipeline.yaml',
    [
      'dag:',
      '  start_at: check',
      '  steps:',
      '    check:',
      '      type: task',
      '      command_type: shell',
      '      command: test "$TOKEN" = "s3cret-value"',
      '      next: success',
      '    success:',
      '      type: success',
      '    fail:',
      '      type: fail',
      '',
    ].join('\n'),
  );
  write('secrets.json', '{ "API_TOKEN": "s3cret-value" }\n');
}, 120_000);

const usesPlugin = (secrets: string, extra = '') =>
  `plugins: [dagc-plugin-example]\nexecutor:\n  type: local\n  config:\n    secret_as_env: {TOKEN: API_TOKEN}\nsecrets:\n  type: json-file\n  config:\n${secrets}${extra}`;

describe('plugins', () => {
  it('runs a pipeline with a secrets provider from an installed plugin', async () => {
    write('config.yaml', usesPlugin('    path: secrets.json\n'));
    const validated = await runCli(['validate', 'pipeline.yaml', '-c', 'config.yaml'], { cwd: dir });
    expect(validated.status, validated.stderr).toBe(0);
    // The step succeeds only when the plugin handed it the file's value.
    const r = await runCli(['run', 'pipeline.yaml', '-c', 'config.yaml'], { cwd: dir });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('s3cret-value');
    write('other.json', '{ "API_TOKEN": "another-value" }\n');
    write('other.yaml', usesPlugin('    path: other.json\n'));
    const other = await runCli(['run', 'pipeline.yaml', '-c', 'other.yaml'], { cwd: dir });
    expect(other.status, other.stdout + other.stderr).toBe(1);
  });

  it("checks a plugin provider's config with its schema: an unknown key is an error at its position", async () => {
    write('typo.yaml', usesPlugin('    pth: secrets.json\n'));
    const r = await runCli(['validate', 'pipeline.yaml', '-c', 'typo.yaml'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('typo.yaml:9:5 error DAGC-SCHEMA-UNKNOWN-KEY unknown key "pth" in "config" of "secrets"');
    expect(r.stderr).toContain('hint: did you mean "path"?');
  });

  it("applies a plugin's integration (validate and run refuse what it refuses)", async () => {
    write('txt.yaml', usesPlugin('    path: secrets.txt\n'));
    for (const command of ['validate', 'run']) {
      const r = await runCli([command, 'pipeline.yaml', '-c', 'txt.yaml'], { cwd: dir });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain('the json-file secrets path "secrets.txt" does not end in .json');
    }
  });

  it("compiles with a plugin's target, by --target and by the config's executor", async () => {
    write('target.yaml', 'plugins: [dagc-plugin-example]\nexecutor:\n  type: steps-list\n  config:\n    title: nightly\n');
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'steps-list', '-c', 'target.yaml'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ title: 'nightly', steps: ['check', 'success', 'fail'] });
    const e = await runCli(['execute', '-f', 'pipeline.yaml', '-c', 'target.yaml'], { cwd: dir });
    expect(e.status, e.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'pipeline.steps.json'))).toBe(true);
    write('target-typo.yaml', 'plugins: [dagc-plugin-example]\nexecutor:\n  type: steps-list\n  config:\n    titel: nightly\n');
    const typo = await runCli(['validate', 'pipeline.yaml', '-c', 'target-typo.yaml'], { cwd: dir });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('target-typo.yaml:5:5 error DAGC-SCHEMA-UNKNOWN-KEY unknown key "titel"');
  });

  // Each file is written to its temp file while the compiler's deferred checks run, and put in place only once
  // they pass: a refused output leaves the file that was there, and no temp file either way.
  it('writes the output while deferred checks finish, and puts it in place only when they pass', async () => {
    mkdirSync(path.join(dir, 'out'), { recursive: true });
    write('out/p.txt', 'old\n');
    write('checked.yaml', 'plugins: [dagc-plugin-checked]\nexecutor:\n  type: checked\n  config:\n    refuse: false\n');
    write('refused.yaml', 'plugins: [dagc-plugin-checked]\nexecutor:\n  type: checked\n  config:\n    refuse: true\n');
    const refused = await runCli(['compile', 'pipeline.yaml', '--target', 'checked', '-c', 'refused.yaml', '-o', 'out/p.txt'], { cwd: dir });
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('error TEST-REFUSED refused by the check');
    // The check saw the new text staged beside the old file (a temp name: '.', the name, pid, count, random).
    expect(refused.stderr).toMatch(/seen in out\/: \.p\.txt\.\d+\.\d+\.[0-9a-f]{8}\.tmp p\.txt/);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['p.txt']);
    expect(readFileSync(path.join(dir, 'out', 'p.txt'), 'utf8')).toBe('old\n');
    const passed = await runCli(['compile', 'pipeline.yaml', '--target', 'checked', '-c', 'checked.yaml', '-o', 'out/p.txt'], { cwd: dir });
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.stderr).toMatch(/warning TEST-SEEN seen in out\/: \.p\.txt\.\d+\.\d+\.[0-9a-f]{8}\.tmp p\.txt/);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['p.txt']);
    expect(readFileSync(path.join(dir, 'out', 'p.txt'), 'utf8')).toBe('new\n');
    // --check compares and writes nothing, not even a temp file.
    const check = await runCli(['compile', 'pipeline.yaml', '--target', 'checked', '-c', 'checked.yaml', '-o', 'out/p.txt', '--check'], { cwd: dir });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stderr).toContain('seen in out/: p.txt');
  });

  it('refuses a plugin that is not installed, at its entry', async () => {
    write('missing.yaml', 'plugins:\n  - dagc-plugin-example\n  - dagc-plugin-nowhere\n');
    for (const command of [['validate', 'pipeline.yaml'], ['run', 'pipeline.yaml']]) {
      const r = await runCli([...command, '-c', 'missing.yaml'], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('missing.yaml:3:5 error DAGC-CONFIG-PLUGIN the plugin "dagc-plugin-nowhere" is not installed');
      expect(r.stderr).toContain('hint: install it next to the config file (npm install dagc-plugin-nowhere)');
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('refuses a plugin that takes the name of a built-in', async () => {
    write('clash.yaml', 'plugins: [dagc-plugin-clash]\n');
    const r = await runCli(['validate', 'pipeline.yaml', '-c', 'clash.yaml'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('clash.yaml:1:11 error DAGC-CONFIG-PLUGIN the plugin "dagc-plugin-clash" is not a dagc plugin: the secrets "dotenv" is built into dagc');
  });
});
