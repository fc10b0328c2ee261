import { fork } from 'node:child_process';
import type { MeterSenderJob, MeterSenderResult } from './meter-sender-process.js';
import type { FromPublisher, PublisherJob, PublisherResult, ToPublisher } from './publisher-process.js';

/** Runs a load generator in its own process (its CPU is not the ingest process's) and resolves with its result. */
function runLoadProcess<Job, Result>(module: URL, job: Job): Promise<Result> {
  const child = fork(module, { execArgv: ['--import', 'tsx'] });
  child.send(job as object);
  return new Promise((resolve, reject) => {
    child.once('message', (result: Result) => resolve(result));
    child.once('exit', (code) => code !== 0 && reject(new Error(`${module.pathname} exited with ${code}`)));
  });
}

/** A publisher process: `ready` once it is connected; it publishes for the job's duration from `go()`. */
export interface PublisherProcess {
  ready: Promise<void>;
  go(): void;
  result: Promise<PublisherResult>;
}

/**
 * One MQTT thermostat publisher process, held after connecting until `go()`: loading a process
 * through tsx and connecting (TLS, many clients, a busy machine) can take seconds, which must not
 * eat into a bench's warm-up.
 */
export function startPublisher(job: PublisherJob): PublisherProcess {
  const child = fork(new URL('./publisher-process.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => code !== 0 && reject(new Error(`a publisher process exited with ${code}`))),
  );
  const replyOf = <T extends FromPublisher['type']>(type: T) =>
    Promise.race([
      new Promise<Extract<FromPublisher, { type: T }>>((resolve) =>
        child.on('message', (reply: FromPublisher) => {
          if (reply.type === type) resolve(reply as Extract<FromPublisher, { type: T }>);
        }),
      ),
      exited,
    ]);
  const ready = replyOf('ready').then(() => undefined);
  const result = replyOf('result').then((reply) => reply.result);
  child.send({ type: 'job', job } satisfies ToPublisher);
  return { ready, go: () => child.send({ type: 'go' } satisfies ToPublisher), result };
}

/** One publisher process that starts publishing as soon as it is connected. */
export async function runPublisher(job: PublisherJob): Promise<PublisherResult> {
  const publisher = startPublisher(job);
  await publisher.ready;
  publisher.go();
  return publisher.result;
}

/** One UDP meter fleet process. */
export function runMeterSender(job: MeterSenderJob): Promise<MeterSenderResult> {
  return runLoadProcess(new URL('./meter-sender-process.ts', import.meta.url), job);
}
