import { startRedisCluster } from './helpers/redis-cluster-process.js';
const cluster = await startRedisCluster();
console.log(JSON.stringify({ seeds: cluster.seeds, ports: cluster.nodes.map((n) => n.port) }));
process.on('SIGTERM', async () => { await cluster.stop(); process.exit(0); });
setInterval(() => undefined, 1000);
