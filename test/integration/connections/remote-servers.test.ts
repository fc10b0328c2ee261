import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import type { ConnectionInput } from '../../../core/api/connections.js';
import type { KeyPage } from '../../../core/api/keys.js';
import { startAclRedis, startRedisCluster, startSentinelGroup, startTlsOnlyRedis, type AclRedis, type SentinelGroup, type TestCluster, type TlsOnlyRedis } from '../../helpers/redis-topologies.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/test-certificates.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';

/**
 * The workbench pointed at the kinds of Redis engineers run in production, each started from
 * Debian's redis-server on loopback: TLS with client certificates, an ACL user, a cluster, Sentinel.
 */

let env: TestStack;
let client: ApiClient;

beforeAll(async () => {
  env = await startTestStack();
  client = new ApiClient({ origin: env.origin, token: env.token });
});
afterAll(() => env?.stop());

/** Saves the connection, points the pages at it, and returns its id. */
async function use(input: ConnectionInput): Promise<string> {
  const { id } = await client.addConnection(input);
  await client.activateConnection(id);
  return id;
}

/** Follows the browser's cursor to the end of the walk, as "scan more" would. */
async function walkAll(match: string, count = 50): Promise<{ keys: string[]; pages: KeyPage[] }> {
  const pages: KeyPage[] = [];
  let cursor = '0';
  do {
    const page = await client.keys({ cursor, match, count });
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== '0');
  return { keys: [...new Set(pages.flatMap((page) => page.keys.map((key) => key.key)))].sort(), pages };
}

describe('a TLS-only server that requires a client certificate', () => {
  let certs: TestCertificates;
  let server: TlsOnlyRedis;
  const tlsInput = (cert: { cert: string; key: string }): ConnectionInput => ({
    name: 'tls only',
    host: server.host,
    port: server.port,
    tls: { enabled: true, ca: certs.ca.cert, cert: cert.cert },
    secrets: { tlsKey: cert.key },
  });

  beforeAll(async () => {
    certs = await makeTestCertificates();
    server = await startTlsOnlyRedis(certs);
    const seeder = new Redis({ host: server.host, port: server.port, tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key } });
    await seeder.set('tls:greeting', 'hello over TLS');
    seeder.disconnect();
  });
  afterAll(async () => {
    await client.activateConnection('workbench');
    await server?.stop();
    await certs?.remove();
  });

  it('connects with the CA, client certificate and key, and browses and reads keys', async () => {
    const check = await client.testConnectionInput(tlsInput(certs.client));
    expect(check.ok).toBe(true);
    expect(check.steps[0]?.detail).toMatch(/TLS: PING answered/);
    await use(tlsInput(certs.client));
    expect((await client.keys({ match: 'tls:*' })).keys).toEqual([{ key: 'tls:greeting', type: 'string' }]);
    expect((await client.console('get tls:greeting')).output).toBe('"hello over TLS"');
  });

  it('fails the connect step with a TLS hint for a certificate from another CA, and without one', async () => {
    const otherCa = await client.testConnectionInput(tlsInput(certs.otherClient));
    expect(otherCa.ok).toBe(false);
    expect(otherCa.steps[0]).toMatchObject({ step: 'connect', ok: false });
    const plain = await client.testConnectionInput({ name: 'plain', host: server.host, port: server.port, connectTimeoutMs: 2000 });
    expect(plain.ok).toBe(false);
    expect(plain.steps[0]).toMatchObject({ step: 'connect', ok: false });
  });
});

describe('an ACL user limited to +@read', () => {
  let server: AclRedis;

  beforeAll(async () => {
    server = await startAclRedis();
    const admin = new Redis(server.adminUrl);
    await admin.mset('acl:a', '1', 'acl:b', '2');
    await admin.hset('acl:device', 'temperature', '71');
    admin.disconnect();
  });
  afterAll(async () => {
    await client.activateConnection('workbench');
    await server?.stop();
  });

  it('connects although the user may not PING, INFO or COMMAND, and says whose command table decides', async () => {
    const input: ConnectionInput = { name: 'reader', host: server.host, port: server.port, username: server.username, secrets: { password: server.password } };
    const check = await client.testConnectionInput(input);
    expect(check.ok).toBe(true);
    expect(check.steps.find((step) => step.step === 'commands')?.detail).toMatch(/the workbench's own Redis \(reader refused COMMAND: NOPERM/);
    await use(input);
    const status = await client.status();
    expect(status.connection).toMatchObject({ name: 'reader', readOnly: true, commandTable: expect.stringMatching(/refused COMMAND/) });
    expect(status.connection.limitations.join(' ')).toMatch(/Warnings: cannot subscribe/);
  });

  it('browses with SCAN, TYPE and HSCAN, and refuses a write before the server has to', async () => {
    expect((await walkAll('acl:*')).keys).toEqual(['acl:a', 'acl:b', 'acl:device']);
    expect(await client.keyDetail('acl:device')).toMatchObject({ type: 'hash', fields: [{ field: 'temperature', value: '71' }] });
    expect((await client.console('mget acl:a acl:b')).output).toBe('1) "1"\n2) "2"');
    expect((await client.console('del acl:a')).refused).toMatch(/reader is read-only: DEL may write/);
  });
});

describe('a cluster of three masters', () => {
  let cluster: TestCluster;
  let clusterId: string;
  const KEYS = 300;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    const seeder = new Cluster(cluster.seeds);
    await Promise.all(Array.from({ length: KEYS }, (_, i) => seeder.set(`cl:${i}`, String(i))));
    await seeder.hset('cl:hash', 'field', 'value');
    await seeder.quit();
  });
  afterAll(async () => {
    await client.activateConnection('workbench');
    await cluster?.stop();
  });

  it('finds the other masters from one seed, and the scan covers every master', async () => {
    clusterId = await use({ name: 'cluster', kind: 'cluster', cluster: { seeds: cluster.seeds, natMap: [] } });
    // Pages of 10 keys: a page of 50 could hold one master's last keys and the whole of the next
    // (~100 keys), so that master would never start a page and its name would not show.
    const { keys, pages } = await walkAll('cl:*', 10);
    expect(keys).toHaveLength(KEYS + 1);
    expect(pages[0]!.totalKeys).toBe(KEYS + 1);
    const nodesScanned = new Set(pages.map((page) => /\(on (.+)\)$/.exec(page.command)?.[1]));
    expect(nodesScanned.size).toBe(3);
  });

  it('reaches nodes through the NAT map when the addresses the cluster announces are not reachable as such', async () => {
    // One TCP forwarder per node stands in for the NAT: the cluster keeps announcing 127.0.0.1:<node port>.
    const forwarders = await Promise.all(cluster.nodes.map((node) => startForwarder(node.port)));
    try {
      await use({
        name: 'cluster via NAT',
        kind: 'cluster',
        cluster: {
          seeds: [{ host: '127.0.0.1', port: forwarders[0]!.port }],
          natMap: cluster.nodes.map((node, index) => ({ from: node, to: { host: '127.0.0.1', port: forwarders[index]!.port } })),
        },
      });
      const { keys } = await walkAll('cl:*');
      expect(keys).toHaveLength(KEYS + 1);
      expect(forwarders.every((forwarder) => forwarder.connections() > 0)).toBe(true);
    } finally {
      await client.activateConnection(clusterId);
      await Promise.all(forwarders.map((forwarder) => forwarder.close()));
    }
  });

  it('reads any key whatever its slot, in the browser and the console', async () => {
    expect(await client.keyDetail('cl:hash')).toMatchObject({ type: 'hash', fields: [{ field: 'field', value: 'value' }] });
    for (const i of [0, 1, 2, 299]) expect((await client.console(`get cl:${i}`)).output).toBe(`"${i}"`);
  });
});

describe('a Sentinel group with its own password', () => {
  let group: SentinelGroup;
  const KEYS = 200;

  beforeAll(async () => {
    group = await startSentinelGroup({ sentinelPassword: 'sentinel-secret' });
    const master = await group.master();
    const seeder = new Redis(master);
    const pipeline = seeder.pipeline();
    for (let i = 0; i < KEYS; i++) pipeline.set(`sn:${i}`, String(i));
    await pipeline.exec();
    await seeder.wait(1, 5000);
    seeder.disconnect();
  });
  afterAll(async () => {
    await client.activateConnection('workbench');
    await group?.stop();
  });

  it('follows a failover while the browser is in use', async () => {
    await use({
      name: 'sentinel',
      kind: 'sentinel',
      sentinel: { masterName: group.masterName, nodes: group.sentinels, tls: false },
      secrets: { sentinelPassword: group.sentinelPassword! },
    });
    const before = await client.keys({ match: 'sn:*', count: 50 });
    expect(before.keys.length).toBeGreaterThan(0);

    const walking = walkAll('sn:*');
    const newMaster = await group.failover();
    await walking.catch(() => undefined);

    // Pages keep answering after the switch, from the new master.
    const { keys } = await walkAll('sn:*');
    expect(keys).toHaveLength(KEYS);
    expect((await client.console('role')).output).toMatch(/^1\) "master"/);
    expect((await client.console('get sn:7')).output).toBe('"7"');
    const { connection } = await client.status();
    expect(connection).toMatchObject({ name: 'sentinel', address: expect.stringContaining(group.masterName) });
    expect(newMaster.port).toBeGreaterThan(0);
  });
});

/** A loopback TCP forwarder to `targetPort`, counting the connections it carried. */
async function startForwarder(targetPort: number): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    count += 1;
    const outbound = createConnection(targetPort, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
