/**
 * `kairos server`: the HTTP API with the embedded engine (docs/api.md). Settings from
 * `--config FILE` (YAML), KAIROS_* environment variables and these flags, later wins.
 * SIGTERM/SIGINT drain gracefully (see src/server/lifecycle.ts).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, handleSignals, loadConfig, ConfigError, type ServerConfigInput } from '../../server/index.js';
import { parseObjectives } from '../../server/config.js';
import { CliExit } from '../fail.js';

interface Opts {
  port?: string;
  host?: string;
  state?: string;
  store?: string;
  broker?: string;
  config?: string;
  examples?: boolean;
  autoConcurrency?: string;
  autoShares?: string;
  whatifAuto?: boolean;
  retention?: string;
}

/**
 * `--examples`: registers every workflow in the project's examples/ folder through the API (the
 * same validation as any client) and starts one ETL run, so a first look at the dashboard shows
 * Kairos working. Needs the server to run open (no tokens yet) — otherwise it says so and skips.
 */
async function loadExamples(app: Awaited<ReturnType<typeof createServer>>): Promise<void> {
  const dir = fileURLToPath(new URL('../../../examples/', import.meta.url));
  if (!existsSync(dir)) return void app.log.warn({ dir }, 'no examples folder next to this installation');
  for (const f of readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()) {
    const res = await app.inject({ method: 'POST', url: '/workflows', headers: { 'content-type': f.endsWith('.json') ? 'application/json' : 'application/yaml' }, payload: readFileSync(join(dir, f), 'utf8') });
    if (res.statusCode >= 400) return void app.log.warn({ file: f, status: res.statusCode, body: res.body.slice(0, 200) }, 'examples not loaded (the server needs a token: create them with the API instead)');
  }
  const run = await app.inject({ method: 'POST', url: '/runs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ workflow: 'etl-daily' }) });
  app.log.info({ status: run.statusCode }, 'examples registered; one etl-daily run started');
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('serve the HTTP API (OpenAPI at /docs, Prometheus at /metrics) with the embedded engine')
    .option('--port <n>', 'TCP port (default 8080, env KAIROS_PORT)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1, env KAIROS_HOST)')
    .option('--state <dir>', 'state folder (default $KAIROS_HOME or .kairos)')
    .option('--store <url>', 'store: postgres://... (several servers may share it) or sqlite:PATH (default SQLite in the state folder; env KAIROS_STORE)')
    .option('--broker <url>', 'redis://... : dispatch tasks to `kairos worker` processes instead of running them here (env KAIROS_BROKER)')
    .option('--config <file>', 'YAML configuration file (see docs/api.md "Configuration")')
    .option('--auto-concurrency <kind>', 'adaptive concurrency: gradient or aimd (env KAIROS_AUTO_CONCURRENCY; docs/self-tuning.md)')
    .option('--auto-shares <objectives>', 'tune the WRR shares to p95 wait objectives, e.g. high=30s,normal=5m (env KAIROS_AUTO_SHARES)')
    .option('--whatif-auto', 'switch the policy to the what-if winner, with hysteresis (env KAIROS_WHATIF_AUTO; settings in the config file)')
    .option('--retention <duration>', 'delete runs that ended longer ago than this, e.g. 30d (env KAIROS_RETENTION; default: keep every run; docs/operations.md)')
    .option('--examples', 'register the example workflows and start one run (a first look at the dashboard)')
    .action(async (opts: Opts) => {
      const flags: ServerConfigInput = {};
      if (opts.port !== undefined) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliExit(2, `--port ${opts.port}: expected a port number 0-65535`);
        flags.port = port;
      }
      if (opts.host !== undefined) flags.host = opts.host;
      if (opts.state !== undefined) flags.state = opts.state;
      if (opts.store !== undefined) flags.store = opts.store;
      if (opts.broker !== undefined) flags.broker = opts.broker;
      if (opts.autoConcurrency !== undefined) flags.autoConcurrency = { kind: opts.autoConcurrency as 'gradient' };
      if (opts.whatifAuto) flags.whatIfAuto = {};
      if (opts.retention !== undefined) flags.retention = { keep: opts.retention };
      let app;
      let config;
      try {
        if (opts.autoShares !== undefined) flags.autoShares = { objectives: parseObjectives(opts.autoShares, '--auto-shares') };
        config = loadConfig({ ...(opts.config ? { file: opts.config } : {}), flags });
        app = await createServer({ config });
      } catch (e) {
        if (e instanceof ConfigError || e instanceof TypeError) throw new CliExit(2, `invalid configuration: ${e.message}`);
        throw e;
      }
      handleSignals(app);
      await app.listen({ port: config.port, host: config.host });
      if (opts.examples) await loadExamples(app);
      process.stdout.write(`kairos: dashboard and API on http://${config.host}:${config.port}/ (OpenAPI at /docs)\n`);
    });
}
