/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: '@advlab/system-tests',
  // One `npm start` per suite, driven for minutes: suites run one after another.
  maxWorkers: 1,
};
