import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const here = path.dirname(fileURLToPath(import.meta.url));

const nextConfig: NextConfig = {
  // One self-contained server (.next/standalone) so the image needs no node_modules install.
  output: 'standalone',
  // npm workspaces hoist dependencies to the repository root; trace from there so they are copied.
  outputFileTracingRoot: path.join(here, '..'),
  turbopack: { root: path.join(here, '..') },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
