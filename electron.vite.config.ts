import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The workers are entries of their own so ingest-thread.ts and bucket-encoder.ts find them beside main.js.
        input: {
          main: resolve('electron/main.ts'),
          'ingest-worker': resolve('core/ingest/ingest-worker.ts'),
          'bucket-encoder-worker': resolve('core/archive/bucket-encoder-worker.ts'),
        },
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
