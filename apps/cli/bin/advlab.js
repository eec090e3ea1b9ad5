#!/usr/bin/env node
// The advlab command: runs the TypeScript sources through tsx.
require('tsx/cjs/api').register();
require('../src/main.ts').runFromProcess();
