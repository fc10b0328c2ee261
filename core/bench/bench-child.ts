import { fork, type ChildProcess } from 'node:child_process';

interface Waiting {
  resolve: (reply: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A bench helper process spoken to over IPC, one reply per request in order: unlike the one-shot
 * load processes, the broker bench samples a broker host and its client fleets several times.
 */
export class BenchChild {
  private readonly waiting: Waiting[] = [];
  private ending = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    name: string,
  ) {
    child.on('message', (reply) => this.waiting.shift()?.resolve(reply));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const error = new Error(`${name} exited (${code ?? signal}) before answering`);
        for (const waiting of this.waiting.splice(0)) waiting.reject(error);
        if (!this.ending && code !== 0) process.stderr.write(`${error.message}\n`);
        resolve();
      }),
    );
  }

  /** `module` beside this one, run through tsx with `nodeFlags` before it. */
  static fork(module: URL, nodeFlags: string[] = []): BenchChild {
    return new BenchChild(fork(module, { execArgv: [...nodeFlags, '--import', 'tsx'] }), module.pathname.split('/').pop()!);
  }

  request<Reply>(message: object): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: (reply) => resolve(reply as Reply), reject });
      this.child.send(message, (error) => error && reject(error));
    });
  }

  /** Ends the process (and whatever connections it holds) and waits until it is gone. */
  async end(): Promise<void> {
    this.ending = true;
    this.child.kill();
    await this.exited;
  }
}

/** The child's side: answers each request, in order, with the handler's result; a failure, or the parent going, ends the process. */
export function answerRequests<Request>(name: string, handle: (request: Request) => Promise<object>): void {
  // A bench that died must not leave a broker or thousands of connections behind.
  process.once('disconnect', () => process.exit(0));
  let previous = Promise.resolve();
  process.on('message', (request: Request) => {
    previous = previous
      .then(async () => void process.send!(await handle(request)))
      .catch((error: Error) => {
        process.stderr.write(`${name} failed: ${error.message}\n`);
        process.exit(1);
      });
  });
}
