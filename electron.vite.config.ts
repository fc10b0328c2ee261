import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // Electron 44 runs Node 24, but cli.js also runs on the system Node, which may be 22.
      target: 'node22.12',
      rollupOptions: {
        // The workers are entries of their own so ingest-thread.ts and bucket-encoder.ts find them beside main.js;
        // cli.js is `npm run serve` without tsx.
        input: {
          main: resolve('electron/main.ts'),
          cli: resolve('core/cli.ts'),
          'ingest-worker': resolve('core/ingest/ingest-worker.ts'),
          'bucket-encoder-worker': resolve('core/archive/bucket-encoder-worker.ts'),
          'export-worker': resolve('core/query/export-worker.ts'),
        },
        // Code shared by main and cli lands in chunks; they must sit beside the workers too, as
        // startWorker() resolves the worker against the import.meta.url of the chunk that calls it.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      lib: { entry: resolve('electron/preload.ts') },
      // A sandboxed renderer can only run a CommonJS preload script.
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('renderer'),
    build: { rollupOptions: { input: resolve('renderer/index.html') } },
    plugins: [react()],
  },
});
