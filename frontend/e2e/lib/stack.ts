// The real local stack for browser tests: a fresh migrated database, the MCP server and the backend in this
// process (as `npm start` runs them), and the built standalone frontend as its own process in front of them.
import { randomBytes } from 'node:crypto';
import { openTestDatabase } from '@todo/backend/testing';
import { startBackend } from '@todo/backend/server';
import { startMcpServer } from '@todo/mcp-server/server';
import { freePort, startStandaloneFrontend, type RunningFrontend } from './standalone.js';

type ModelSettings = { apiKey: string; baseURL?: string; model: string };

export type Stack = {
  /** The only origin the browser uses. */
  url: string;
  frontend: RunningFrontend;
  /** Another backend + frontend pair on the same database and auth secret (so sessions carry over), with its own model. */
  startVariant: (openai: ModelSettings) => Promise<{ url: string; close: () => Promise<void> }>;
  stopMcpServer: () => Promise<void>;
  stopBackend: () => Promise<void>;
  close: () => Promise<void>;
};

export async function startStack(): Promise<Stack> {
  const db = await openTestDatabase();
  const token = randomBytes(24).toString('hex');
  const mcp = await startMcpServer({ db: db.db, port: 0, host: '127.0.0.1', token, logLevel: 'warn' });
  // Better Auth checks the browser's Origin against its base URL, so the frontend's port is chosen first.
  const frontendPort = await freePort();
  const url = `http://127.0.0.1:${frontendPort}`;
  const secret = randomBytes(32).toString('base64');
  const backendFor = (publicUrl: string, openai?: ModelSettings) =>
    startBackend({
      db,
      port: 0,
      host: '127.0.0.1',
      betterAuthSecret: secret,
      betterAuthUrl: publicUrl,
      mcpServerUrl: mcp.url,
      mcpToken: token,
      openai,
      logLevel: 'warn',
    });
  const backend = await backendFor(url);
  const frontend = await startStandaloneFrontend({ backendUrl: backend.url, port: frontendPort });
  return {
    url,
    frontend,
    startVariant: async (openai) => {
      const port = await freePort();
      const variantUrl = `http://127.0.0.1:${port}`;
      const variantBackend = await backendFor(variantUrl, openai);
      const variantFrontend = await startStandaloneFrontend({ backendUrl: variantBackend.url, port });
      return {
        url: variantUrl,
        close: async () => {
          await variantFrontend.close();
          await variantBackend.close();
        },
      };
    },
    stopMcpServer: () => mcp.close(),
    stopBackend: () => backend.close(),
    close: async () => {
      await frontend.close();
      await backend.close();
      await mcp.close();
      await db.close();
    },
  };
}
