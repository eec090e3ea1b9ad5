import * as path from 'node:path';
import type { NextConfig } from 'next';

const workspaceRoot = path.join(__dirname, '../..');

const nextConfig: NextConfig = {
  // Workspace packages are consumed as TypeScript source.
  transpilePackages: ['@advlab/contract', '@advlab/dashboard-data-access', '@advlab/dashboard-feature-health', '@advlab/dashboard-ui'],
  // Loaded by Node at runtime, never bundled.
  serverExternalPackages: ['@grpc/grpc-js'],
  turbopack: { root: workspaceRoot },
  outputFileTracingRoot: workspaceRoot,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
