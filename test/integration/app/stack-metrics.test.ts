import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_METRIC_NAMES } from '../../../core/app/stack-metrics.js';
import { freePort } from '../../helpers/free-port.js';
import { PROJECT_ROOT, runCli, type CliProcess, type ReadyAddresses } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { waitUntil } from '../../helpers/wait-until.js';

const WRITTEN = 'sensor_workbench_readings_written_total';

let dataDir: TempDir;
let serve: CliProcess;
let ready: ReadyAddresses;

beforeAll(async () => {
  dataDir = await makeTempDir('sw-metrics-');
  serve = runCli(['serve', '--data-dir', dataDir.path, '--mqtt-port', '0', '--http-port', '0', '--udp-port', '0', '--metrics-port', '0', '--emulate', 'thermostats', '--rate', '50']);
  ready = await serve.ready();
});

afterAll(async () => {
  await serve?.kill();
  await dataDir?.remove();
});

async function scrape(): Promise<string> {
  const answer = await fetch(ready.metrics!);
  expect(answer.status).toBe(200);
  return answer.text();
}

/** The value of an unlabelled sample, or the sum of a labelled metric's samples. */
function sampleSum(exposition: string, name: string): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function exportedNames(exposition: string): Set<string> {
  return new Set(exposition.split('\n').flatMap((line) => /^# TYPE (\S+) /.exec(line)?.[1] ?? []));
}

describe('serve --metrics-port 0', () => {
  it('prints the metrics address on the ready line, on loopback, and serves /metrics without the UI token', async () => {
    expect(ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const answer = await fetch(ready.metrics!);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('exports every stack metric and the process defaults, and readings_written rises while the emulator runs', async () => {
    const first = await scrape();
    const names = exportedNames(first);
    for (const name of [...STACK_METRIC_NAMES, 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) expect(names).toContain(name);
    expect(first).toContain('sensor_workbench_mqtt_refusals_total{code="wrong-password"} 0');
    expect(first).toContain('sensor_workbench_readings_rejected_total{reason="not-json"} 0');
    const before = sampleSum(first, WRITTEN);
    const after = await waitUntil('readings_written to rise', async () => {
      const now = sampleSum(await scrape(), WRITTEN);
      return now > before + 20 && now;
    });
    const later = await scrape();
    expect(sampleSum(later, WRITTEN)).toBeGreaterThanOrEqual(after);
    // The latency histogram counts every written reading once, in buckets that only grow.
    expect(sampleSum(later, 'sensor_workbench_publish_to_written_seconds_count')).toBeGreaterThanOrEqual(after);
    expect(later).toMatch(/sensor_workbench_publish_to_written_seconds_bucket\{le="\+Inf"\} [1-9]\d*/);
    expect(sampleSum(later, 'sensor_workbench_mqtt_clients')).toBeGreaterThanOrEqual(1);
    expect(sampleSum(later, 'sensor_workbench_redis_commands_processed_total')).toBeGreaterThan(0);
  });

  it('the Grafana dashboard in resources/ parses and queries only metrics /metrics exports', async () => {
    const dashboard = JSON.parse(await readFile(join(PROJECT_ROOT, 'resources/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exported = exportedNames(await scrape());
    const expressions = dashboard.panels.flatMap(({ targets }) => targets.map(({ expr }) => expr));
    expect(expressions.length).toBeGreaterThan(10);
    const queried = new Set(expressions.flatMap((expr) => expr.match(/\b(?:sensor_workbench|process|nodejs)_[a-z0-9_]+/g) ?? []));
    // A histogram is queried through its _bucket, _sum and _count series.
    const unexported = [...queried].filter((name) => !exported.has(name.replace(/_(bucket|sum|count)$/, '')) && !exported.has(name));
    expect(unexported).toEqual([]);
    // And it shows every metric the stack adds.
    for (const name of STACK_METRIC_NAMES) expect([...queried].some((used) => used.startsWith(name))).toBe(true);
  });

  it("Debian's prometheus scrapes it and answers rate(readings_written[30s]) > 0", async () => {
    const storage = await makeTempDir('sw-prometheus-');
    const port = await freePort();
    const configFile = join(storage.path, 'prometheus.yml');
    const target = new URL(ready.metrics!).host;
    await writeFile(configFile, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sensor-workbench\n    static_configs:\n      - targets: ['${target}']\n`);
    const prometheus = spawn('prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${join(storage.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    try {
      const query = new URL(`http://127.0.0.1:${port}/api/v1/query`);
      query.searchParams.set('query', `rate(${WRITTEN}[30s]) > 0`);
      const result = await waitUntil(
        'prometheus to report a positive write rate',
        async () => {
          const answer = (await (await fetch(query)).json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
          return answer.status === 'success' && answer.data.result.length > 0 && answer.data.result;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(Number(result[0]!.value[1])).toBeGreaterThan(0);
    } finally {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
      await storage.remove();
    }
  });
});
