import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Beside this module; a variable, so bundlers leave the URL alone (only source runs use it). */
const FROM_SOURCE_LOADER = './worker-from-source.mjs';

/**
 * Starts a worker thread on the module `name` beside the caller (`base` = the caller's
 * import.meta.url). Running from source that is `<name>.ts`, loaded through tsx; in the
 * electron-vite bundle it is the entry `<name>.js` next to main.js.
 */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  const entry = new URL(`./${name}.ts`, base).href;
  return new Worker(new URL(FROM_SOURCE_LOADER, import.meta.url), { ...options, argv: [...(options.argv ?? []), entry] });
}
