import { startLoadProcess, type LoadProcess } from './load-process.js';
import type { MeterSenderJob, MeterSenderProgress, MeterSenderResult } from './meter-sender-process.js';
import type { PublisherJob, PublisherProgress, PublisherResult } from './publisher-process.js';

export type PublisherProcess = LoadProcess<PublisherProgress, PublisherResult>;
export type MeterSenderProcess = LoadProcess<MeterSenderProgress, MeterSenderResult>;

/** One MQTT thermostat publisher process, held after connecting until `go()`. */
export function startPublisher(job: PublisherJob): PublisherProcess {
  return startLoadProcess(new URL('./publisher-process.ts', import.meta.url), job);
}

/** One UDP meter fleet process, held after opening its socket until `go()`. */
export function startMeterSender(job: MeterSenderJob): MeterSenderProcess {
  return startLoadProcess(new URL('./meter-sender-process.ts', import.meta.url), job);
}

/** One publisher process that starts publishing as soon as it is connected. */
export function runPublisher(job: PublisherJob): Promise<PublisherResult> {
  return goWhenReady(startPublisher(job));
}

/** One UDP meter fleet process that starts sending as soon as its socket is open. */
export function runMeterSender(job: MeterSenderJob): Promise<MeterSenderResult> {
  return goWhenReady(startMeterSender(job));
}

async function goWhenReady<Progress, Result>(load: LoadProcess<Progress, Result>): Promise<Result> {
  await load.ready;
  load.go();
  return load.result;
}
