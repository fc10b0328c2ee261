import { fork } from 'node:child_process';

/**
 * A bench load generator (MQTT publishers, UDP meter fleets) in its own process, so that the
 * devices' CPU is not the ingest process's. It gets its job, connects, says ready, starts on the
 * go, answers progress reports while it runs, and ends with its result.
 */
export type ToLoadProcess<Job> = { type: 'job'; job: Job } | { type: 'go' } | { type: 'report' };
export type FromLoadProcess<Progress, Result> = { type: 'ready' } | { type: 'progress'; progress: Progress } | { type: 'result'; result: Result };

/** The parent's handle on one load process. */
export interface LoadProcess<Progress, Result> {
  /** Connected and waiting for `go()`. */
  ready: Promise<void>;
  go(): void;
  /** Where the process stands now, e.g. for a soak's figures per minute. */
  report(): Promise<Progress>;
  result: Promise<Result>;
}

/**
 * Held after connecting until `go()`: loading a process through tsx and connecting (TLS, many
 * clients, a busy machine) can take seconds, which must not eat into a bench's warm-up.
 */
export function startLoadProcess<Job, Progress, Result>(module: URL, job: Job): LoadProcess<Progress, Result> {
  const name = module.pathname.split('/').pop()!;
  const child = fork(module, { execArgv: ['--import', 'tsx'] });
  const reports: ((progress: Progress) => void)[] = [];
  let markReady: () => void = () => undefined;
  let finish: (result: Result) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    child.once('exit', () => reject(new Error(`${name} exited before it was ready`)));
  });
  const result = new Promise<Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // A caller that only awaits `result` must not see an unhandled rejection from `ready`.
  ready.catch(() => undefined);
  child.on('message', (message: FromLoadProcess<Progress, Result>) => {
    if (message.type === 'ready') markReady();
    else if (message.type === 'progress') reports.shift()?.(message.progress);
    else finish(message.result);
  });
  child.once('exit', (code) => code !== 0 && fail(new Error(`${name} exited with ${code}`)));
  const send = (message: ToLoadProcess<Job>) => child.send(message);
  send({ type: 'job', job });
  return {
    ready,
    go: () => send({ type: 'go' }),
    report: () => new Promise<Progress>((resolve) => {
      reports.push(resolve);
      send({ type: 'report' });
    }),
    result,
  };
}

/** The child's side of a load process: what its work is told by the parent. */
export interface LoadControl<Progress> {
  /** Says ready and waits for the go. */
  readyForGo(): Promise<void>;
  /** From now on, each report request is answered with what `progress` returns. */
  answerReports(progress: () => Progress): void;
}

/** Runs `work` on the job the parent sends, then sends its result and exits; a failure exits 1 with the reason on stderr. */
export function runLoadJob<Job, Progress, Result>(name: string, work: (job: Job, control: LoadControl<Progress>) => Promise<Result>): void {
  const send = (message: FromLoadProcess<Progress, Result>, then: () => void = () => undefined) => process.send!(message, then);
  let onGo: () => void = () => undefined;
  let progress: (() => Progress) | null = null;
  process.on('message', (message: ToLoadProcess<Job>) => {
    if (message.type === 'job') void start(message.job);
    else if (message.type === 'go') onGo();
    else if (progress) send({ type: 'progress', progress: progress() });
  });
  const control: LoadControl<Progress> = {
    readyForGo: () =>
      new Promise((resolve) => {
        onGo = resolve;
        send({ type: 'ready' });
      }),
    answerReports: (answer) => (progress = answer),
  };
  async function start(job: Job) {
    try {
      const result = await work(job, control);
      send({ type: 'result', result }, () => process.exit(0));
    } catch (error) {
      process.stderr.write(`${name} failed: ${(error as Error).message}\n`);
      process.exit(1);
    }
  }
}
