// Entry point of a gradient worker thread. Worker threads start without the parent's
// TypeScript loader, so register tsx's CommonJS hook before loading the TypeScript module.
require('tsx/cjs/api').register();
require('./gradient_worker.ts');
