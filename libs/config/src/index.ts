/**
 * Defaults and ranges of every config message, the checks built from them, and the one
 * formatter of attack budgets. Safe for the browser: the request resolvers, which read the
 * contract's messages, are under `@advlab/config/resolve`.
 */
export * from './fields';
export * from './format';
export * from './errors';
export * from './attack-spec';
