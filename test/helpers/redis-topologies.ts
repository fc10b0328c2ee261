import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort } from './free-port.js';
import { makeTempDir } from './temp-dir.js';
import type { TestCertificates } from './test-certificates.js';
import { waitUntil } from './wait-until.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface TlsOnlyRedis extends HostPort {
  stop(): Promise<void>;
}

export interface AclRedis extends HostPort {
  /** The limited user and its password */
  username: string;
  password: string;
  /** redis://127.0.0.1:P as the unrestricted default user (nopass), for seeding data. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface TestCluster {
  /** One node, to hand a cluster client as its only startup node: it must discover the others itself. */
  seeds: HostPort[];
  nodes: HostPort[];
  stop(): Promise<void>;
}

export interface ConfiguredRedis extends HostPort {
  /** redis://127.0.0.1:P as the default user. */
  url: string;
  stop(): Promise<void>;
}

export interface ReplicaPair {
  master: ConfiguredRedis;
  replica: ConfiguredRedis;
  stop(): Promise<void>;
}

export interface SentinelGroup {
  masterName: string;
  sentinels: HostPort[];
  /** The sentinels' own password (requirepass in the sentinel config), when one was asked for. */
  sentinelPassword: string | null;
  /** Asks a sentinel where the master is now. */
  master(): Promise<HostPort>;
  /** SENTINEL FAILOVER, then waits until the sentinels report a different master and that master answers ROLE as master; returns it. */
  failover(): Promise<HostPort>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const CLUSTER_SLOTS = 16384;

/** TLS only (`--port 0 --tls-port P`), client certificates required (tls-auth-clients yes) and checked against certs.ca. */
export async function startTlsOnlyRedis(certs: TestCertificates): Promise<TlsOnlyRedis> {
  const tls = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };
  return startTopology(async (launch) => {
    const { port } = await launch({
      config: (tlsPort) => [
        'port 0',
        `tls-port ${tlsPort}`,
        `tls-cert-file ${quote(certs.server.certFile)}`,
        `tls-key-file ${quote(certs.server.keyFile)}`,
        `tls-ca-cert-file ${quote(certs.ca.certFile)}`,
        'tls-auth-clients yes',
      ],
      client: { tls },
    });
    return { host: HOST, port };
  });
}

/** A user limited to exactly `+@read` on all keys: `user <name> on ><password> ~* +@read` (nothing else, not even @connection). */
export async function startAclRedis({
  username = 'sw-reader',
  password = randomBytes(12).toString('hex'),
}: { username?: string; password?: string } = {}): Promise<AclRedis> {
  return startTopology(async (launch) => {
    const { port } = await launch({ config: (port) => [`port ${port}`] });
    // Set by command rather than in redis.conf, so a password needs no quoting.
    await withClient({ port }, (admin) => admin.call('ACL', 'SETUSER', username, 'on', `>${password}`, '~*', '+@read'));
    return { host: HOST, port, username, password, adminUrl: `redis://${HOST}:${port}` };
  });
}

/** `masters` (default 3) redis-server processes with cluster-enabled yes, no replicas; slots 0-16383 split evenly with CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET, resolved once every node reports cluster_state:ok and agrees on all 16384 slots. */
export async function startRedisCluster({ masters = 3 }: { masters?: number } = {}): Promise<TestCluster> {
  return startTopology(async (launch) => {
    const nodes = await settleAll(
      Array.from({ length: masters }, () =>
        launch({
          config: async (port) => [
            `port ${port}`,
            'cluster-enabled yes',
            'cluster-config-file nodes.conf',
            // The bus port is picked too: the default (port + 10000) may be taken, or above 65535.
            `cluster-port ${await freePort()}`,
            // A node learns its own address only from a peer's MEET; alone it would announce an empty host.
            `cluster-announce-ip ${HOST}`,
          ],
        }),
      ),
    );
    await Promise.all(nodes.map((node, i) => assignSlots(node.port, i, masters)));
    await meet(nodes);
    await waitUntil(`all ${masters} cluster nodes to agree on all ${CLUSTER_SLOTS} slots`, () => clusterAgrees(nodes), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const hostPorts = nodes.map(({ port }) => ({ host: HOST, port }));
    return { seeds: hostPorts.slice(0, 1), nodes: hostPorts };
  });
}

/** One master, one replica (replicaof), three sentinels (quorum 2, down-after-milliseconds 1000, failover-timeout 10000), all on loopback. Resolves once every sentinel knows the master and the replica is in sync (master_link_status:up). */
export async function startSentinelGroup({
  masterName = 'sw-master',
  sentinelPassword,
}: { masterName?: string; sentinelPassword?: string } = {}): Promise<SentinelGroup> {
  return startTopology(async (launch) => {
    // Either may be master after a failover; without the delay a full sync waits 5 s for more replicas.
    const dataConfig = (port: number) => [`port ${port}`, 'repl-diskless-sync-delay 0'];
    const first = await launch({ config: dataConfig });
    const replica = await launch({ config: (port) => [...dataConfig(port), `replicaof ${HOST} ${first.port}`] });
    const dataNodes = [first, replica];
    await waitUntil('the replica to be in sync with the master', () => replicaInSync(replica.port, first.port), { timeoutMs: 20_000 });
    const auth = sentinelPassword ? [`requirepass ${quote(sentinelPassword)}`, `sentinel sentinel-pass ${quote(sentinelPassword)}`] : [];
    const sentinels = await settleAll(
      [1, 2, 3].map(() =>
        launch({
          sentinel: true,
          config: (port) => [
            `port ${port}`,
            'sentinel resolve-hostnames no',
            `sentinel monitor ${masterName} ${HOST} ${first.port} 2`,
            `sentinel down-after-milliseconds ${masterName} 1000`,
            `sentinel failover-timeout ${masterName} 10000`,
            ...auth,
          ],
          client: { password: sentinelPassword },
        }),
      ),
    );
    const ask = <T>(sentinel: RedisProcess, command: string[]) =>
      withClient({ port: sentinel.port, password: sentinelPassword }, (client) => client.call('SENTINEL', ...command) as Promise<T>);
    // Every sentinel must see the replica (or SENTINEL FAILOVER answers NOGOODSLAVE) and the other
    // sentinels (or an automatic failover could not reach its quorum).
    await waitUntil(
      `all 3 sentinels to know ${masterName}, its replica and each other`,
      async () => {
        const views = await Promise.all(sentinels.map((sentinel) => ask<string[]>(sentinel, ['MASTER', masterName]).then(pairs)));
        return views.every((view) => view.flags === 'master' && view['num-slaves'] === '1' && view['num-other-sentinels'] === '2');
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const masterSeenBy = async (sentinel: RedisProcess): Promise<HostPort> => {
      const [host, port] = await ask<[string, string]>(sentinel, ['GET-MASTER-ADDR-BY-NAME', masterName]);
      return { host, port: Number(port) };
    };
    const master = () => masterSeenBy(sentinels[0]!);
    const failover = async () => {
      const before = await master();
      const replicaPort = dataNodes.find((node) => node.port !== before.port)!.port;
      // After an earlier failover the demoted master must finish its sync before it can be promoted.
      await waitUntil('the replica to be in sync with the master', () => replicaInSync(replicaPort, before.port), { timeoutMs: 20_000 });
      // The sentinel answers NOGOODSLAVE until its own INFO polling has seen the replica in sync, and
      // INPROG while an earlier failover is finishing: ask again.
      await waitUntil('SENTINEL FAILOVER to be accepted', () => ask(sentinels[0]!, ['FAILOVER', masterName]), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      return waitUntil(
        `every sentinel to report a master other than port ${before.port}, answering ROLE as master`,
        async () => {
          const seen = await Promise.all(sentinels.map(masterSeenBy));
          const after = seen[0]!;
          if (seen.some((other) => other.port !== after.port) || after.port === before.port) return false;
          const [role] = await withClient({ port: after.port }, (client) => client.call('ROLE') as Promise<string[]>);
          return role === 'master' && after;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    };
    return {
      masterName,
      sentinels: sentinels.map(({ port }) => ({ host: HOST, port })),
      sentinelPassword: sentinelPassword ?? null,
      master,
      failover,
    };
  });
}

/** One redis-server with redis.conf lines of the test's own on top of the usual ones (`rename-command EVAL ""`, `maxmemory 100kb`, `user …`). */
export async function startConfiguredRedis(config: string[]): Promise<ConfiguredRedis> {
  return startTopology(async (launch) => {
    const { port } = await launch({ config: (port) => [`port ${port}`, ...config] });
    return { host: HOST, port, url: `redis://${HOST}:${port}` };
  });
}

/** A master and a replica of it (replicaof, replica-read-only as by default); resolved once the replica is in sync. */
export async function startReplicaPair(): Promise<ReplicaPair> {
  return startTopology(async (launch) => {
    const dataConfig = (port: number) => [`port ${port}`, 'repl-diskless-sync-delay 0'];
    const master = await launch({ config: dataConfig });
    const replica = await launch({ config: (port) => [...dataConfig(port), `replicaof ${HOST} ${master.port}`] });
    await waitUntil('the replica to be in sync with the master', () => replicaInSync(replica.port, master.port), { timeoutMs: 20_000 });
    const described = ({ port, stop }: RedisProcess): ConfiguredRedis => ({ host: HOST, port, url: `redis://${HOST}:${port}`, stop });
    return { master: described(master), replica: described(replica) };
  });
}

interface LaunchOptions {
  /** redis.conf lines for the port picked for it; bind, dir and logging are added for every process. */
  config(port: number): string[] | Promise<string[]>;
  /** How a client must connect (TLS, password) for the readiness PING. */
  client?: RedisOptions;
  /** Run as a sentinel (`redis-server <conf> --sentinel`; Debian has no redis-sentinel binary). */
  sentinel?: boolean;
}

interface RedisProcess {
  port: number;
  stop(): Promise<void>;
}

type Launch = (options: LaunchOptions) => Promise<RedisProcess>;

/**
 * Runs `build` with a launcher that remembers every process it started, and adds a stop() that stops
 * them all. If `build` throws, what it had started is stopped before the error is rethrown.
 */
async function startTopology<T>(build: (launch: Launch) => Promise<T>): Promise<T & { stop(): Promise<void> }> {
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.splice(0).map((node) => node.stop()));
  };
  const launch: Launch = async (options) => {
    const node = await launchRetryingPort(options);
    started.push(node);
    return node;
  };
  try {
    return { ...(await build(launch)), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Promise.all that waits for every launch to settle before rejecting, so a process still starting
 * when another failed is registered and stopped too rather than left behind.
 */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** freePort() only says the port was free a moment ago; a topology takes several, so a clash gets another try. */
async function launchRetryingPort(options: LaunchOptions): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(await freePort(), options);
    } catch (error) {
      if (attempt === 3 || !(error as Error).message.includes('Address already in use')) throw error;
    }
  }
}

/** One redis-server in its own temp dir, resolved once it answers PING; on failure nothing is left behind. */
async function launchOnce(port: number, { config, client = {}, sentinel = false }: LaunchOptions): Promise<RedisProcess> {
  const dir = await makeTempDir(sentinel ? 'sw-topology-sentinel-' : 'sw-topology-redis-');
  // Sentinel rewrites its config file, so every process gets a writable one in its own dir.
  const configFile = join(dir.path, 'redis.conf');
  const lines = [`bind ${HOST}`, `dir ${quote(dir.path)}`, 'daemonize no', 'logfile ""', 'loglevel warning', 'save ""', 'appendonly no', ...(await config(port))];
  await writeFile(configFile, lines.join('\n') + '\n');
  const child = spawnRedisServer([configFile, ...(sentinel ? ['--sentinel'] : [])], dir.path);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A failed spawn (no binary) emits 'error' and 'close' but no 'exit'; 'close' also comes after the last output.
  child.once('error', (error) => (output += error.message));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    await kill(child, exited);
    await dir.remove();
  };
  try {
    const outcome = await waitUntil(
      `${sentinel ? 'sentinel' : 'redis-server'} on port ${port} to answer PING`,
      // An exit ends the wait at once instead of after the timeout.
      async (): Promise<'exited' | 'ready' | false> => (hasExited(child) ? 'exited' : (await answersPing({ ...client, port })) && 'ready'),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    if (outcome === 'exited') {
      await exited;
      throw new Error(`redis-server (${configFile}) exited while starting: ${output.trim()}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/**
 * On Linux the kernel SIGKILLs the server when the test process dies (setpriv --pdeathsig): vitest
 * ends its workers with SIGTERM, which runs no exit handlers and would leave the servers running.
 */
function spawnRedisServer(args: string[], cwd: string): ChildProcess {
  const [command, commandArgs] =
    process.platform === 'linux' ? ['setpriv', ['--pdeathsig', 'KILL', 'redis-server', ...args]] : ['redis-server', args];
  return spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A short-lived client on 127.0.0.1 that fails fast instead of retrying, disconnected after `use`. */
async function withClient<T>(options: RedisOptions, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: HOST,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    ...options,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function answersPing(options: RedisOptions): Promise<boolean> {
  return withClient(options, async (client) => (await client.ping()) === 'PONG').catch(() => false);
}

/** The `index`-th of `count` even shares of the slots. */
async function assignSlots(port: number, index: number, count: number): Promise<void> {
  const first = Math.floor((index * CLUSTER_SLOTS) / count);
  const last = Math.floor(((index + 1) * CLUSTER_SLOTS) / count) - 1;
  await withClient({ port }, (node) => node.call('CLUSTER', 'ADDSLOTSRANGE', first, last));
}

/** Introduces every pair of nodes directly: left to gossip, the last node to hear of another can take seconds. */
async function meet(nodes: RedisProcess[]): Promise<void> {
  // Distinct config epochs up front, as redis-cli --cluster create does, so no epoch collision has to be resolved first.
  await Promise.all(nodes.map((node, i) => withClient({ port: node.port }, (client) => client.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1))));
  const busPorts = await Promise.all(
    nodes.map((node) => withClient({ port: node.port }, async (client) => ((await client.call('CONFIG', 'GET', 'cluster-port')) as string[])[1]!)),
  );
  await Promise.all(
    nodes.map((node, i) =>
      withClient({ port: node.port }, async (client) => {
        for (let j = i + 1; j < nodes.length; j++) await client.call('CLUSTER', 'MEET', HOST, nodes[j]!.port, busPorts[j]!);
      }),
    ),
  );
}

/** Every node says cluster_state:ok and maps all slots to the same nodes. */
async function clusterAgrees(nodes: RedisProcess[]): Promise<boolean> {
  const views = await Promise.all(
    nodes.map((node) =>
      withClient({ port: node.port }, async (client) => {
        const info = parseInfo((await client.call('CLUSTER', 'INFO')) as string);
        const slots = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const owners = slots.map(([first, last, [, port]]) => `${first}-${last}@${port}`).sort();
        const covered = slots.reduce((sum, [first, last]) => sum + last - first + 1, 0);
        return info.cluster_state === 'ok' && covered === CLUSTER_SLOTS ? owners.join(',') : null;
      }),
    ),
  );
  return views.every((view) => view !== null && view === views[0]);
}

/** The replica on replicaPort replicates from masterPort and its link is up. */
async function replicaInSync(replicaPort: number, masterPort: number): Promise<boolean> {
  const info = parseInfo(await withClient({ port: replicaPort }, (client) => client.info('replication')));
  return info.role === 'slave' && info.master_port === String(masterPort) && info.master_link_status === 'up';
}

function parseInfo(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/** SENTINEL MASTER's flat [key, value, ...] reply as a record. */
function pairs(flat: string[]): Record<string, string> {
  return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
}

/** A redis.conf string argument; JSON's escapes are ones redis.conf understands. */
function quote(value: string): string {
  return JSON.stringify(value);
}
