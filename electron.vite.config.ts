import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: { lib: { entry: resolve('electron/main.ts') } },
  },
  preload: {
    build: { lib: { entry: resolve('electron/preload.ts') } },
  },
  renderer: {
    root: resolve('renderer'),
    build: { rollupOptions: { input: resolve('renderer/index.html') } },
    plugins: [react()],
  },
});
