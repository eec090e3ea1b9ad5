/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: '@advlab/backend-onednn',
  // Reference tests load tfjs-core's op gradients from its ES module build; let SWC compile it.
  transformIgnorePatterns: ['/node_modules/(?!@tensorflow/tfjs-core/dist/(?!tf-core))'],
};
