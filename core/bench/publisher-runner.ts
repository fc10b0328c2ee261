import { fork } from 'node:child_process';
import type { PublisherJob, PublisherResult } from './publisher-process.js';

/** Runs one benchmark publisher in its own process and resolves with what it published. */
export function runPublisher(job: PublisherJob): Promise<PublisherResult> {
  const child = fork(new URL('./publisher-process.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
  child.send(job);
  return new Promise((resolve, reject) => {
    child.once('message', (result: PublisherResult) => resolve(result));
    child.once('exit', (code) => code !== 0 && reject(new Error(`publisher exited with ${code}`)));
  });
}
