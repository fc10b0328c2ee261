import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config/load.js';
import { SETTINGS } from './config/settings.js';
import { Stack } from './app/stack.js';
import { handleStopSignals } from './app/stop-signals.js';

/** The built UI, from core/cli.ts or from its build beside main.js (out/main/cli.js). */
const RENDERER_DIR = import.meta.url.endsWith('.ts') ? '../out/renderer/' : '../renderer/';
/** A variable, so the build leaves the bench out: `npm run bench` runs from source, as it forks .ts files. */
const BENCH = './bench/run-bench.js';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

function usage(): string {
  const rows = SETTINGS.map((s) => `  --${s.flag.padEnd(20)} ${s.help} [env ${s.env}]`);
  return ['usage: npm run serve -- [flags]', '', '  --config <file>        config file (default: <data dir>/config.json) [env SW_CONFIG]', ...rows].join('\n');
}

async function serve(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const { config, configFile } = loadConfig({ argv, env: process.env });
  if (configFile) log(`config file ${configFile}`);
  const stack = await Stack.start(config, { log, rendererDir: fileURLToPath(new URL(RENDERER_DIR, import.meta.url)) });
  const addresses = stack.addresses();
  // The whole stack prints the line it always has; a process of a fleet says which role it runs.
  const ready = stack.plan.everything ? addresses : { role: config.roles.join(','), ...addresses };
  process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
  if (addresses.http) log(`open ${addresses.http}`);
  else log(`running role ${config.roles.join(',')}: ${Object.entries(addresses).map(([name, address]) => `${name} ${address}`).join(', ')}`);

  const reporter = reportFiguresPeriodically(stack);
  handleStopSignals({
    log,
    stop: (reason) => {
      clearInterval(reporter);
      log(`${reason}: stopping intake, flushing buffered readings${stack.plan.everything ? ', stopping Redis' : ''}`);
      void stack.stop().then((report) => {
        log(report.unwritten === 0 ? 'stopped cleanly, nothing left unwritten' : `stopped; ${report.unwritten} readings saved to ${report.unwrittenFiles.join(' and ')}`);
        process.exit(0);
      });
    },
    force: (signal) => {
      log(`${signal} again: exiting without waiting for the flush`);
      process.exit(1);
    },
  });
}

/** Headless users see the pipeline's figures in the log; only while something is happening. */
function reportFiguresPeriodically(stack: Stack): NodeJS.Timeout {
  let lastReceived = -1;
  const timer = setInterval(() => {
    const { ingest, rates, latencyMs } = stack.figures();
    const received = ingest.received + ingest.meterReadingsReceived;
    if (received === lastReceived && ingest.buffered === 0) return;
    lastReceived = received;
    const perSec = (value: number | undefined) => (value ?? 0).toFixed(1);
    const source = stack.sourceStatus();
    const fromSource = source ? `; mqtt source ${source.state}: ${source.received} received, ${source.redelivered} redelivered, ${source.acknowledged} acknowledged` : '';
    const ms = (value: number | null) => (value === null ? '–' : value.toFixed(1));
    log(
      `figures: received ${ingest.received} (${perSec(rates?.receivedPerSec)}/s), written ${ingest.written} (${perSec(rates?.writtenPerSec)}/s), ` +
        `meter readings ${ingest.meterReadingsWritten} (${perSec(rates?.meterWrittenPerSec)}/s), ` +
        `buffered ${ingest.buffered}, rejected ${ingest.rejected}, dropped ${ingest.dropped + ingest.meterDatagramsDropped}, ` +
        `${ingest.possibleRecounts > 0 ? `possibly counted twice ${ingest.possibleRecounts}, ` : ''}latency p50 ${ms(latencyMs.p50)} ms p99 ${ms(latencyMs.p99)} ms${fromSource}`,
    );
  }, 10_000);
  timer.unref();
  return timer;
}

async function main(): Promise<void> {
  const [command, ...argv] = process.argv.slice(2);
  if (command === 'serve') return serve(argv);
  if (command === 'bench') {
    const { runBench } = (await import(BENCH)) as typeof import('./bench/run-bench.js');
    return runBench(argv);
  }
  process.stderr.write(`unknown command ${command ?? '(none)'}: use serve or bench\n`);
  process.exitCode = 2;
}

main().catch((error: Error) => {
  const message = error instanceof ConfigError ? error.message : `cannot start: ${error.message}`;
  process.stderr.write(`${message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
