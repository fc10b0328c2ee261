// Node 20 does not apply `--import tsx` inside worker threads, so a worker started from the
// TypeScript sources registers tsx itself before loading the real entry point.
import { register } from 'tsx/esm/api';

register();
await import('./bucket-encoder-worker.ts');
