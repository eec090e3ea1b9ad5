import baseConfig from '../../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Tool configuration files extend the workspace's shared configs by path.
    files: ['*.config.js', '*.config.mjs', '*.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
