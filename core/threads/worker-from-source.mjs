// Node 20 does not apply `--import tsx` inside worker threads, so a worker started from the
// TypeScript sources registers tsx itself, then loads its entry (the last argument, see worker-entry.ts).
import { argv } from 'node:process';
import { register } from 'tsx/esm/api';

register();
await import(argv.at(-1));
