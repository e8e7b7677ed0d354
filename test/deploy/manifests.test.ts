/**
 * The deployment files in deploy/ stay true to the code: every YAML parses, every `kairos`
 * command line in them (container args, systemd ExecStart) names a real subcommand and only
 * options that subcommand has, every environment variable they set is one the server reads,
 * and every metric a scaling rule queries is exported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

function subcommand(name: string): Command {
  const c = buildProgram().commands.find((x) => x.name() === name);
  assert.ok(c, `kairos has no subcommand '${name}'`);
  return c;
}

function checkCommandLine(args: readonly string[], where: string): void {
  const [name, ...rest] = args;
  const cmd = subcommand(name!);
  const known = new Set(cmd.options.flatMap((o) => [o.long, o.short].filter(Boolean) as string[]));
  for (const a of rest) if (a.startsWith('-')) assert.ok(known.has(a.split('=')[0]!), `${where}: 'kairos ${name}' has no option ${a}`);
}

const KNOWN_ENV = /^KAIROS_(HOME|HOST|PORT|STORE|BROKER|POLICY|POLICY_SETTINGS|ADMISSION|CONCURRENCY|METRICS_AUTH|RATE_LIMIT_MAX|RATE_LIMIT_WINDOW_MS|BODY_LIMIT|SHUTDOWN_GRACE_MS|LOG_LEVEL|RESUME)$/;

test('Kubernetes manifests parse, and their kairos command lines and variables exist', () => {
  const dir = join(DEPLOY, 'kubernetes');
  let containers = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      assert.equal(doc.errors.length, 0, `${f}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as any;
      for (const c of obj?.spec?.template?.spec?.containers ?? []) {
        containers++;
        checkCommandLine(c.args, `${f} ${obj.metadata.name}`);
        for (const e of c.env ?? []) if (e.name.startsWith('KAIROS_')) assert.match(e.name, KNOWN_ENV, `${f}: unknown variable ${e.name}`);
      }
      if (obj?.kind === 'ScaledObject') {
        const metrics = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'server', 'metrics.ts'), 'utf8');
        for (const t of obj.spec.triggers) for (const m of String(t.metadata.query).match(/kairos_[a-z_]+/g) ?? []) assert.ok(metrics.includes(`'${m}'`), `${f}: metric ${m} is not exported`);
      }
    }
  }
  assert.ok(containers >= 2);
});

test('systemd units start real kairos subcommands with real options', () => {
  const dir = join(DEPLOY, 'systemd');
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    const exec = /^ExecStart=.*?kairos (.*?)'?$/m.exec(text);
    assert.ok(exec, `${f}: no ExecStart running kairos`);
    const args = exec[1]!.replace(/"\$[A-Z_]+"|\$[A-Z_]+|%i/g, 'X').split(/\s+/).filter(Boolean);
    checkCommandLine(args, f);
    for (const m of text.matchAll(/^Environment=(KAIROS_[A-Z_]+)=/gm)) assert.match(m[1]!, KNOWN_ENV, `${f}: unknown variable ${m[1]}`);
  }
});
