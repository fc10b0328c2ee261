import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freeClusterPort } from './free-port.js';
import { HOST, parseInfo, startRedisProcess, withClient, type RedisProcess } from './redis-process.js';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { waitUntil } from './wait-until.js';

const run = promisify(execFile);

export interface ClusterNode {
  host: string;
  port: number;
  /** The node's own dir: nodes.conf and, with appendonly, its AOF. */
  dir: string;
  process: RedisProcess;
}

export interface RedisClusterProcess {
  nodes: ClusterNode[];
  /** `127.0.0.1:P1,127.0.0.1:P2,…`, as --redis-cluster takes it. */
  seeds: string;
  /** SIGKILL one node (a crash); its slots answer nothing until restart(). */
  kill(index: number): Promise<void>;
  /** Starts a killed node again on its port with its dir (nodes.conf, AOF), and waits for cluster_state:ok. */
  restart(index: number): Promise<void>;
  /** `redis-cli -c -p <first node> <args…>`: follows MOVED as a user's redis-cli does; the reply as text. */
  cli(...args: string[]): Promise<string>;
  /** Waits until every live node says cluster_state:ok. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their dirs. Idempotent; safe after a failed start. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  masters?: number;
  /** Append-only file with appendfsync always, so a node killed and restarted keeps every write it acknowledged. */
  appendonly?: boolean;
  /** cluster-node-timeout (ms): how long a silent node is waited for before the cluster marks it failed. */
  nodeTimeoutMs?: number;
}

/**
 * A real Redis Cluster on loopback, as its users set one up: `redis-server --cluster-enabled yes
 * --cluster-config-file nodes.conf --port P --bind 127.0.0.1` per master (ports in 20000-32767 with
 * P + 10000, the cluster bus, free too), joined with `redis-cli --cluster create … --cluster-yes`,
 * resolved once every node reports cluster_state:ok. Whatever fails, what was started is stopped.
 */
export async function startRedisCluster({ masters = 3, appendonly = false, nodeTimeoutMs = 5000 }: RedisClusterOptions = {}): Promise<RedisClusterProcess> {
  const dirs: TempDir[] = [];
  const nodes: ClusterNode[] = [];
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(nodes.map((node) => node.process.stop()));
      await Promise.all(dirs.map((dir) => dir.remove()));
    })());
  const launch = (port: number, dir: string) =>
    startRedisProcess(
      'redis-server',
      [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(nodeTimeoutMs),
        '--port', String(port),
        '--bind', HOST,
        '--dir', dir,
        '--save', '',
        '--appendonly', appendonly ? 'yes' : 'no',
        '--appendfsync', 'always',
        '--loglevel', 'warning',
      ],
      { cwd: dir, port },
    );
  try {
    const taken = new Set<number>();
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port);
      const dir = await makeTempDir('sw-cluster-node-');
      dirs.push(dir);
      nodes.push({ host: HOST, port, dir: dir.path, process: await launch(port, dir.path) });
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map(({ port }) => `${HOST}:${port}`), '--cluster-yes'], { timeout: 30_000 });
    const cluster: RedisClusterProcess = {
      nodes,
      seeds: nodes.map(({ port }) => `${HOST}:${port}`).join(','),
      kill: async (index) => {
        const node = nodes[index]!;
        node.process.kill('SIGKILL');
        await node.process.exited;
      },
      restart: async (index) => {
        const node = nodes[index]!;
        node.process = await launch(node.port, node.dir);
        await cluster.waitUntilOk();
      },
      cli: async (...args) => (await run('redis-cli', ['-c', '-h', HOST, '-p', String(nodes[0]!.port), ...args], { timeout: 30_000 })).stdout,
      waitUntilOk: (timeoutMs = 30_000) =>
        waitUntil('every cluster node to report cluster_state:ok', () => allOk(nodes), { timeoutMs, intervalMs: 100 }).then(() => undefined),
      stop,
    };
    await cluster.waitUntilOk();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function allOk(nodes: ClusterNode[]): Promise<boolean> {
  const states = await Promise.all(
    nodes.map((node) => withClient({ port: node.port }, async (client) => parseInfo((await client.call('CLUSTER', 'INFO')) as string).cluster_state).catch(() => 'down')),
  );
  return states.every((state) => state === 'ok');
}
