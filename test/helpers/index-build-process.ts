import { Redis } from 'ioredis';
import { createKeySchema } from '../../core/model/keys.js';
import { IndexBuilds } from '../../core/query/index-builds.js';

/**
 * A process that defines the index `<name>` (a set of `climate` over the thermostat hashes) and
 * builds it at `<rate>` keys/s, for a test to SIGKILL in the middle. Usage: <redis url> <name> <rate>.
 */
const [url, name, rate] = process.argv.slice(2) as [string, string, string];
const redis = new Redis(url);
const builds = new IndexBuilds({
  redis,
  keys: createKeySchema({ keyPrefix: '' }),
  settings: { rate: Number(rate), scanCount: 500 },
  buildRefusal: null,
  log: (line) => console.log(line),
});
await builds.define({ name, match: '*', field: 'climate', kind: 'set' });
await builds.settled(name);
redis.disconnect();
