import { fork } from 'node:child_process';
import type { MeterSenderJob, MeterSenderResult } from './meter-sender-process.js';
import type { PublisherJob, PublisherResult } from './publisher-process.js';

/** Runs a load generator in its own process (its CPU is not the ingest process's) and resolves with its result. */
function runLoadProcess<Job, Result>(module: URL, job: Job): Promise<Result> {
  const child = fork(module, { execArgv: ['--import', 'tsx'] });
  child.send(job as object);
  return new Promise((resolve, reject) => {
    child.once('message', (result: Result) => resolve(result));
    child.once('exit', (code) => code !== 0 && reject(new Error(`${module.pathname} exited with ${code}`)));
  });
}

/** One MQTT thermostat publisher process. */
export function runPublisher(job: PublisherJob): Promise<PublisherResult> {
  return runLoadProcess(new URL('./publisher-process.ts', import.meta.url), job);
}

/** One UDP meter fleet process. */
export function runMeterSender(job: MeterSenderJob): Promise<MeterSenderResult> {
  return runLoadProcess(new URL('./meter-sender-process.ts', import.meta.url), job);
}
