import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIMATES } from '../model/climate.js';
import { ingestPhase, round, type PhaseContext } from './ingest-phase.js';
import { processCpuSeconds } from './proc-stats.js';
import { startPublisher } from './publisher-runner.js';
import { redisCpuSeconds } from './redis-cpu.js';

/** Debian's mosquitto, or MOSQUITTO_BINARY. */
const MOSQUITTO = process.env.MOSQUITTO_BINARY ?? '/usr/sbin/mosquitto';
const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One `serve` run through mosquitto, per part: readings/s written and CPU (cores) of each process. */
interface ScalePhase {
  writtenPerSec: number;
  cores: { workers: number; mosquitto: number; redis: number; publishers: number };
}

/**
 * `npm run bench -- scale`: publisher processes → mosquitto → N `serve --role ingest` processes
 * (shared subscription, PUBACK after the write) → the bench's standalone redis-server, for N = 1
 * and 2, beside the bundled broker's single process in the same run. All on this machine, so every
 * part shares its cores: the CPU per reading of each part is what a projection to more machines
 * starts from.
 */
export async function runScaleBench(context: PhaseContext, { receiveMaximum }: { receiveMaximum: number }): Promise<Record<string, unknown>> {
  if (!existsSync(MOSQUITTO)) throw new Error(`the scale bench needs mosquitto at ${MOSQUITTO} (apt-get install mosquitto, or set MOSQUITTO_BINARY)`);
  const { log, settings } = context;
  log(`scale: ${settings.publishers} publisher processes (${settings.client} client), QoS ${settings.qos}; mosquitto ${MOSQUITTO}; workers with receive maximum ${receiveMaximum}`);
  const bundled = await ingestPhase(context, 'scale: bundled broker, one process', 'batched', 'max');
  const one = await outsideBrokerPhase(context, 1, receiveMaximum);
  const two = await outsideBrokerPhase(context, 2, receiveMaximum);
  return {
    scale_bundled_readings_per_s: Math.round(bundled.writtenPerSec),
    scale_bundled_cpu_us_per_reading: perReading(bundled.cpu.ingestProcess, bundled.writtenPerSec),
    scale_bundled_redis_cpu_us_per_reading: perReading(bundled.cpu.redis, bundled.writtenPerSec),
    ...phaseFigures('scale_1_worker', one),
    ...phaseFigures('scale_2_workers', two),
    scale_receive_maximum: receiveMaximum,
    scale_qos: settings.qos,
    scale_publishers: settings.publishers,
  };
}

function phaseFigures(prefix: string, phase: ScalePhase): Record<string, number | null> {
  const { writtenPerSec, cores } = phase;
  return {
    [`${prefix}_readings_per_s`]: Math.round(writtenPerSec),
    [`${prefix}_worker_cpu_us_per_reading`]: perReading(cores.workers, writtenPerSec),
    [`${prefix}_mosquitto_cpu_us_per_reading`]: perReading(cores.mosquitto, writtenPerSec),
    [`${prefix}_redis_cpu_us_per_reading`]: perReading(cores.redis, writtenPerSec),
    [`${prefix}_publisher_cpu_us_per_reading`]: perReading(cores.publishers, writtenPerSec),
  };
}

const perReading = (cores: number | null, perSec: number) => (cores === null || perSec === 0 ? null : round((cores / perSec) * 1e6, 1));

async function outsideBrokerPhase({ settings, redis, redisUrl, keys, log }: PhaseContext, workers: number, receiveMaximum: number): Promise<ScalePhase> {
  const name = `scale: ${workers} ingest worker${workers === 1 ? '' : 's'} behind mosquitto`;
  await redis.flushall();
  const dir = await mkdtemp(join(tmpdir(), 'sw-bench-scale-'));
  const running: ChildProcess[] = [];
  try {
    const mosquitto = await startMosquitto(dir);
    running.push(mosquitto.child);
    const processes = await Promise.all(
      Array.from({ length: workers }, async (_, index) => {
        const worker = await startWorker(join(dir, `worker-${index}`), redisUrl, mosquitto.url, receiveMaximum);
        running.push(worker);
        return worker;
      }),
    );
    const durationMs = settings.warmupMs + settings.measureMs + 500;
    const publishers = Array.from({ length: settings.publishers }, () =>
      startPublisher({ brokerUrl: mosquitto.url, connections: 1, rate: 'max', durationMs, qos: settings.qos, devices: 5000, client: settings.client, measureAfterMs: settings.warmupMs }),
    );
    await Promise.all(publishers.map((publisher) => publisher.ready));
    for (const publisher of publishers) publisher.go();
    await sleep(settings.warmupMs);
    const written = async () => (await redis.mget(...CLIMATES.map((climate) => keys.climateCounter(climate)))).reduce((sum, value) => sum + Number(value ?? 0), 0);
    const workerCpu = () => processes.reduce((sum, worker) => sum + processCpuSeconds(worker.pid!), 0);
    const start = { written: await written(), at: performance.now(), workers: workerCpu(), mosquitto: processCpuSeconds(mosquitto.child.pid!), redis: await redisCpuSeconds(redis) };
    await sleep(settings.measureMs);
    const seconds = (performance.now() - start.at) / 1000;
    const result: ScalePhase = {
      writtenPerSec: ((await written()) - start.written) / seconds,
      cores: {
        workers: round((workerCpu() - start.workers) / seconds, 2),
        mosquitto: round((processCpuSeconds(mosquitto.child.pid!) - start.mosquitto) / seconds, 2),
        redis: round(((await redisCpuSeconds(redis)) - start.redis) / seconds, 2),
        publishers: 0,
      },
    };
    const results = await Promise.all(publishers.map((publisher) => publisher.result));
    result.cores.publishers = round(results.reduce((sum, each) => sum + each.cpuSeconds, 0) / (durationMs / 1000), 2);
    const us = (cores: number) => (result.writtenPerSec === 0 ? '–' : ((cores / result.writtenPerSec) * 1e6).toFixed(1));
    log(
      `${name}: ${Math.round(result.writtenPerSec).toLocaleString('en')} readings/s written; CPU cores: workers ${result.cores.workers}, mosquitto ${result.cores.mosquitto}, ` +
        `redis ${result.cores.redis}, publishers ${result.cores.publishers}; CPU per reading: workers ${us(result.cores.workers)} µs, mosquitto ${us(result.cores.mosquitto)} µs, ` +
        `redis ${us(result.cores.redis)} µs; published ${results.reduce((sum, each) => sum + each.published, 0)}`,
    );
    return result;
  } finally {
    // What mosquitto still queues is of no interest once measured: everything is killed, not drained.
    for (const child of running.reverse()) await kill(child);
    await rm(dir, { recursive: true, force: true });
  }
}

async function startMosquitto(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const configFile = join(dir, 'mosquitto.conf');
  // No limit on the messages queued per client: by default mosquitto keeps 1000 and drops the rest after acknowledging them.
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 0', 'set_tcp_nodelay true', 'log_dest stderr', 'log_type error', ...(process.getuid?.() === 0 ? ['user root'] : [])];
  await writeFile(configFile, `${lines.join('\n')}\n`);
  const child = spawn(MOSQUITTO, ['-c', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = performance.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || performance.now() > deadline) throw new Error(`mosquitto did not start on port ${port}`);
    await sleep(20);
  }
  return { child, url: `mqtt://127.0.0.1:${port}` };
}

/** `serve --role ingest --mqtt-source …` as `npm run serve` runs it (young-generation flag), resolved at its ready line. */
function startWorker(dataDir: string, redisUrl: string, mqttSource: string, receiveMaximum: number): Promise<ChildProcess> {
  const args = ['--max-semi-space-size=64', '--import', 'tsx', CLI, 'serve', '--role', 'ingest', '--data-dir', dataDir, '--redis-url', redisUrl, '--mqtt-source', mqttSource];
  args.push('--mqtt-receive-maximum', String(receiveMaximum));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n') && stdout.startsWith('ready ')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`ingest worker exited (${code}) before ready: ${stderr}`)));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
