/**
 * `kairos token create|list|revoke`: API bearer tokens (docs/api.md "Auth"). The token is
 * printed once by `create`; the store keeps only its SHA-256.
 */
import type { Command } from 'commander';
import { createToken, isTokenRole, TOKEN_ROLES } from '../../server/tokens.js';
import { openStore, stateDir, STORE_OPTION_HELP } from '../state.js';
import { CliExit } from '../fail.js';

interface Opts {
  role?: string;
  namespace?: string;
  name?: string;
  state?: string;
  store?: string;
  json?: boolean;
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage API bearer tokens (roles admin, operator, viewer; optional namespace scope)');

  token
    .command('create')
    .description('create a token and print it once (store it: it cannot be shown again)')
    .requiredOption('--role <role>', `one of ${TOKEN_ROLES.join(', ')}`)
    .option('--namespace <ns>', 'limit the token to one namespace')
    .option('--name <label>', 'a label to recognise the token by')
    .option('--state <dir>', 'state folder (default $KAIROS_HOME or .kairos)')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--json', 'print {id, token, role, namespace} as JSON')
    .action(async (opts: Opts) => {
      const role = opts.role ?? '';
      if (!isTokenRole(role)) throw new CliExit(2, `--role ${role}: expected one of ${TOKEN_ROLES.join(', ')}`);
      const store = await openStore(stateDir(opts.state), opts.store);
      try {
        const { token: plain, row } = await createToken(store, { role, namespace: opts.namespace ?? null, name: opts.name ?? null });
        if (opts.json) {
          process.stdout.write(JSON.stringify({ id: row.id, token: plain, role: row.role, namespace: row.namespace }) + '\n');
        } else {
          process.stdout.write(`${plain}\n`);
          process.stderr.write(`token ${row.id} (${row.role}${row.namespace ? `, namespace ${row.namespace}` : ''}) created; it is shown only this once\n`);
        }
      } finally {
        await store.close();
      }
    });

  token
    .command('list')
    .description('list tokens (ids, roles, namespaces; never the tokens themselves)')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .action(async (opts: Opts) => {
      const store = await openStore(stateDir(opts.state), opts.store);
      try {
        for (const t of await store.listTokens()) {
          const state = t.revokedAt === null ? 'active' : `revoked ${new Date(t.revokedAt).toISOString()}`;
          process.stdout.write(`${t.id}  ${t.role.padEnd(8)}  ${(t.namespace ?? '*').padEnd(16)}  ${t.name ?? ''}  ${state}\n`);
        }
      } finally {
        await store.close();
      }
    });

  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>', 'token id (from `kairos token list`)')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .action(async (id: string, opts: Opts) => {
      const store = await openStore(stateDir(opts.state), opts.store);
      try {
        if (!(await store.revokeToken(id, Date.now()))) throw new CliExit(3, `no active token with id ${id}`);
        process.stdout.write(`token ${id} revoked\n`);
      } finally {
        await store.close();
      }
    });
}
