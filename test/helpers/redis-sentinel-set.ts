import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { HOST, parseInfo, startRedisProcess, withClient, type RedisProcess } from './redis-process.js';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { waitUntil } from './wait-until.js';

export interface DataNode {
  port: number;
  dir: string;
  process: RedisProcess;
  /** False once killed and not restarted. */
  running: boolean;
}

export interface SentinelSet {
  masterName: string;
  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`, as --redis-sentinels takes it. */
  sentinels: string;
  sentinelPorts: number[];
  /** The master and the replica, in start order (either may be master after a failover). */
  dataNodes: DataNode[];
  /** The master's port as the sentinels report it now. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER, resolved once every sentinel reports the other node as master and it answers ROLE as master. */
  failover(): Promise<number>;
  /** SIGKILL the master's process; resolved once the sentinels have promoted the replica (its port). */
  killMaster(): Promise<number>;
  /** Starts a killed data node again on its port and dir; the sentinels make it a replica of the new master. */
  restart(node: DataNode): Promise<void>;
  /** Waits until the master has `count` replica(s) in sync. */
  waitForReplicas(count?: number): Promise<void>;
  /** Stops all five processes and removes their dirs. Idempotent; safe after a failed start. */
  stop(): Promise<void>;
}

/**
 * A Sentinel set on loopback, as Debian runs one: a master and a replica (redis-server, AOF with
 * appendfsync always, so a killed node comes back with what it acknowledged), and three
 * /usr/bin/redis-sentinel processes (quorum 2, down-after-milliseconds 1000, failover-timeout
 * 5000). Resolved once every sentinel knows the master, the replica and the other sentinels.
 */
export async function startSentinelSet({ masterName = 'sw-master' }: { masterName?: string } = {}): Promise<SentinelSet> {
  const dirs: TempDir[] = [];
  const dataNodes: DataNode[] = [];
  const sentinelProcesses: RedisProcess[] = [];
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all([...sentinelProcesses, ...dataNodes.map((node) => node.process)].map((process) => process.stop()));
      await Promise.all(dirs.map((dir) => dir.remove()));
    })());
  const launchData = (port: number, dir: string, replicaOf: number | null) =>
    startRedisProcess(
      'redis-server',
      [
        '--port', String(port),
        '--bind', HOST,
        '--dir', dir,
        '--save', '',
        '--appendonly', 'yes',
        '--appendfsync', 'always',
        '--repl-diskless-sync-delay', '0',
        '--loglevel', 'warning',
        ...(replicaOf === null ? [] : ['--replicaof', HOST, String(replicaOf)]),
      ],
      { cwd: dir, port },
    );
  try {
    for (const replicaOf of [null, 'first'] as const) {
      const port = await freePort();
      const dir = await makeTempDir('sw-sentinel-data-');
      dirs.push(dir);
      const process = await launchData(port, dir.path, replicaOf === null ? null : dataNodes[0]!.port);
      dataNodes.push({ port, dir: dir.path, process, running: true });
    }
    const [master, replica] = dataNodes as [DataNode, DataNode];
    await waitUntil('the replica to be in sync', () => inSync(replica.port, master.port), { timeoutMs: 20_000, intervalMs: 50 });
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = await makeTempDir('sw-sentinel-');
      dirs.push(dir);
      // Sentinel rewrites its config file: each gets a writable one of its own.
      const config = join(dir.path, 'sentinel.conf');
      await writeFile(
        config,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir "${dir.path}"`,
          'daemonize no',
          'logfile ""',
          'loglevel warning',
          'sentinel resolve-hostnames no',
          `sentinel monitor ${masterName} ${HOST} ${master.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
        ].join('\n') + '\n',
      );
      sentinelProcesses.push(await startRedisProcess('/usr/bin/redis-sentinel', [config], { cwd: dir.path, port }));
      sentinelPorts.push(port);
    }
    const ask = <T>(port: number, ...command: string[]) => withClient({ port }, (client) => client.call('SENTINEL', ...command) as Promise<T>);
    await waitUntil(
      `all 3 sentinels to know ${masterName}, its replica and each other`,
      async () => {
        const views = await Promise.all(sentinelPorts.map(async (port) => pairs(await ask<string[]>(port, 'MASTER', masterName))));
        return views.every((view) => view.flags === 'master' && view['num-slaves'] === '1' && view['num-other-sentinels'] === '2');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const masterPort = async () => Number((await ask<[string, string]>(sentinelPorts[0]!, 'GET-MASTER-ADDR-BY-NAME', masterName))[1]);
    const promotedOtherThan = (before: number) =>
      waitUntil(
        `every sentinel to report a master other than port ${before}, answering ROLE as master`,
        async () => {
          const seen = await Promise.all(sentinelPorts.map(async (port) => Number((await ask<[string, string]>(port, 'GET-MASTER-ADDR-BY-NAME', masterName))[1])));
          const after = seen[0]!;
          if (after === before || seen.some((port) => port !== after)) return false;
          const [role] = await withClient({ port: after }, (client) => client.call('ROLE') as Promise<string[]>);
          return role === 'master' && after;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    const set: SentinelSet = {
      masterName,
      sentinels: sentinelPorts.map((port) => `${HOST}:${port}`).join(','),
      sentinelPorts,
      dataNodes,
      masterPort,
      failover: async () => {
        const before = await masterPort();
        await set.waitForReplicas(1);
        // NOGOODSLAVE until the sentinel's own INFO polling has seen the replica in sync; INPROG while an earlier failover finishes.
        await waitUntil('SENTINEL FAILOVER to be accepted', () => ask(sentinelPorts[0]!, 'FAILOVER', masterName), { timeoutMs: 30_000, intervalMs: 200 });
        return promotedOtherThan(before);
      },
      killMaster: async () => {
        const before = await masterPort();
        const node = dataNodes.find((candidate) => candidate.port === before)!;
        node.process.kill('SIGKILL');
        await node.process.exited;
        node.running = false;
        return promotedOtherThan(before);
      },
      restart: async (node) => {
        node.process = await launchData(node.port, node.dir, null);
        node.running = true;
      },
      waitForReplicas: (count = 1) =>
        waitUntil(
          `the master to have ${count} replica(s) in sync`,
          async () => {
            const port = await masterPort();
            const info = parseInfo(await withClient({ port }, (client) => client.info('replication')));
            const online = Object.entries(info).filter(([name, value]) => /^slave\d+$/.test(name) && value.includes('state=online')).length;
            return info.role === 'master' && online >= count;
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        ).then(() => undefined),
      stop,
    };
    return set;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function inSync(replicaPort: number, masterPort: number): Promise<boolean> {
  const info = parseInfo(await withClient({ port: replicaPort }, (client) => client.info('replication')));
  return info.role === 'slave' && info.master_port === String(masterPort) && info.master_link_status === 'up';
}

function pairs(flat: string[]): Record<string, string> {
  return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
}
