export { registerOnednnBackend, onednnInfo, threadsFromEnv, ONEDNN_BACKEND, THREADS_ENV } from './register';
export { loadAddon, ADDON_PATH, ONEDNN_APT_PACKAGES } from './addon';
export type { OnednnAddon } from './addon';
export { OnednnBackend } from './backend_onednn';
export type { OnednnMemoryInfo } from './backend_onednn';
export { BufferPool } from './buffer_pool';
export type { BufferPoolStats } from './buffer_pool';
export { NATIVE_KERNELS } from './kernels/all';
