/** Builders for server tests: a real server on a temp SQLite store, real shell tasks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createServer, type KairosServer } from '../../src/server/app.js';
import type { ServerConfig } from '../../src/server/config.js';

export interface TestServer {
  app: KairosServer;
  dir: string;
  /** inject with an optional bearer token; the body parsed as JSON when it is JSON. */
  call(method: string, url: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; res: LightMyRequestResponse }>;
  close(): Promise<void>;
}

export async function testServer(config: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-server-'));
  const app = await createServer({
    config: { stateDir: dir, logLevel: 'silent', ...config },
    engine: { killGraceMs: 300, capacity: { cpu: 8, memory: 8 * 2 ** 30 } },
  });
  await app.ready();
  return {
    app, dir,
    async call(method, url, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      const req: InjectOptions = { method: method as InjectOptions['method'], url, headers };
      if (opts.body !== undefined) req.payload = opts.body as InjectOptions['payload'];
      const res = await app.inject(req);
      let body: any = res.body;
      if (String(res.headers['content-type'] ?? '').includes('json')) body = JSON.parse(res.body);
      return { status: res.statusCode, body, res };
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const HELLO = `name: hello
labels: { team: data }
tasks:
  a:
    run: echo hello-from-a
  b:
    needs: [a]
    run: echo bye
`;

export function nsWorkflow(name: string, namespace: string): string {
  return `name: ${name}\nnamespace: ${namespace}\ntasks:\n  t:\n    run: "true"\n`;
}
