import { cleanEnv, port, str } from 'envalid';

// The only place mcp_server reads process.env; envalid reports every missing or malformed variable at once.
export function readEnv(source: NodeJS.ProcessEnv = process.env) {
  const env = cleanEnv(source, {
    PORT: port({ default: 8001, desc: 'Port to listen on' }),
    HOST: str({ default: '0.0.0.0', desc: 'Interface to listen on' }),
    DATABASE_URL: str({ default: '', desc: 'PostgreSQL connection string; empty means embedded PGlite' }),
    PGLITE_DIR: str({ default: '.data/pglite', desc: 'PGlite data folder when DATABASE_URL is empty' }),
    MCP_INTERNAL_TOKEN: str({ desc: 'Bearer token the backend presents on every /mcp request' }),
    MCP_ALLOWED_HOSTS: str({ default: '', desc: 'Extra host names accepted in Host/Origin, comma-separated' }),
    LOG_LEVEL: str({ default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
  });
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir: env.PGLITE_DIR,
    token: env.MCP_INTERNAL_TOKEN,
    allowedHosts: env.MCP_ALLOWED_HOSTS.split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL,
  };
}
