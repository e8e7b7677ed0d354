/**
 * `kairos server`: the HTTP API with the embedded engine (docs/api.md). Settings from
 * `--config FILE` (YAML), KAIROS_* environment variables and these flags, later wins.
 * SIGTERM/SIGINT drain gracefully (see src/server/lifecycle.ts).
 */
import type { Command } from 'commander';
import { createServer, handleSignals, loadConfig, ConfigError, type ServerConfigInput } from '../../server/index.js';
import { CliExit } from '../fail.js';

interface Opts {
  port?: string;
  host?: string;
  state?: string;
  config?: string;
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('serve the HTTP API (OpenAPI at /docs, Prometheus at /metrics) with the embedded engine')
    .option('--port <n>', 'TCP port (default 8080, env KAIROS_PORT)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1, env KAIROS_HOST)')
    .option('--state <dir>', 'state folder (default $KAIROS_HOME or .kairos)')
    .option('--config <file>', 'YAML configuration file (see docs/api.md "Configuration")')
    .action(async (opts: Opts) => {
      const flags: ServerConfigInput = {};
      if (opts.port !== undefined) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliExit(2, `--port ${opts.port}: expected a port number 0-65535`);
        flags.port = port;
      }
      if (opts.host !== undefined) flags.host = opts.host;
      if (opts.state !== undefined) flags.state = opts.state;
      let app;
      let config;
      try {
        config = loadConfig({ ...(opts.config ? { file: opts.config } : {}), flags });
        app = await createServer({ config });
      } catch (e) {
        if (e instanceof ConfigError || e instanceof TypeError) throw new CliExit(2, `invalid configuration: ${e.message}`);
        throw e;
      }
      handleSignals(app);
      await app.listen({ port: config.port, host: config.host });
    });
}
