// Runs the database-backed unit tests a second time against a real PostgreSQL server (TEST_POSTGRES_URL).
// Locally it skips with the reason when no server is named; under CI=true a missing server fails the run.
import { spawnSync } from 'node:child_process';

const url = process.env.TEST_POSTGRES_URL;
if (!url) {
  const reason = 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres)';
  if (process.env.CI === 'true') {
    console.error(`postgres tier cannot run in CI: ${reason}`);
    process.exit(1);
  }
  console.warn(`postgres tier skipped: ${reason}`);
  process.exit(0);
}
const run = spawnSync('npx', ['vitest', 'run', '--project', 'unit', 'backend', 'mcp_server'], {
  stdio: 'inherit',
  env: process.env,
});
process.exit(run.status ?? 1);
