import * as path from 'node:path';
import type { NextConfig } from 'next';

const workspaceRoot = path.join(__dirname, '../..');

const nextConfig: NextConfig = {
  // Workspace packages are consumed as TypeScript source.
  transpilePackages: [
    '@advlab/contract',
    '@advlab/dashboard-charts',
    '@advlab/dashboard-data-access',
    '@advlab/dashboard-feature-datasets',
    '@advlab/dashboard-feature-gallery',
    '@advlab/dashboard-feature-health',
    '@advlab/dashboard-feature-live-attack',
    '@advlab/dashboard-feature-models',
    '@advlab/dashboard-feature-new-run',
    '@advlab/dashboard-feature-runs',
    '@advlab/dashboard-feature-sweeps',
    '@advlab/dashboard-ui',
    '@advlab/dashboard-util',
  ],
  // Loaded by Node at runtime, never bundled.
  serverExternalPackages: ['@grpc/grpc-js'],
  turbopack: { root: workspaceRoot },
  outputFileTracingRoot: workspaceRoot,
  poweredByHeader: false,
  experimental: {
    // With a proxy, Next.js buffers each request body (up to this size) before the route reads
    // it. The routes cap bodies themselves (1 MiB; the live attack's upload about 11 MiB), so
    // this only has to be above the largest route cap: a longer body still arrives longer than
    // that cap and is refused with 413.
    proxyClientMaxBodySize: '12mb',
  },
  reactStrictMode: true,
};

export default nextConfig;
