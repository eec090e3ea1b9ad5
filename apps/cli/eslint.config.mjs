import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
