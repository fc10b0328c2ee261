import type { KeySchema } from '../model/keys.js';
import type { ConsoleExample } from '../api/console.js';

/** The document's example thermostat (its `hgetall 2942`) and meter bucket (D704206006772, 1494979200). */
const EXAMPLE_DEVICE = '2942';
const EXAMPLE_METER = 'D704206006772';
const EXAMPLE_BUCKET = 1_494_979_200;

/**
 * The source documents' redis-cli queries, with this connection's key names, so they work as is on
 * a Redis that names things differently.
 */
export function consoleExamples(keys: KeySchema): ConsoleExample[] {
  const climates = (['warm', 'cool', 'cold', 'hot'] as const).map((climate) => keys.climateCounter(climate));
  return [
    { title: 'What are the last n events?', line: `zrevrangebyscore ${keys.sensorData} +inf -inf WITHSCORES LIMIT 0 5` },
    { title: 'Which events occurred during this time range?', line: `zrangebyscore ${keys.sensorData} (1410000000000 14400000000000` },
    { title: 'Which devices match a particular pattern?', line: `zscan ${keys.sensorData} 0 MATCH 2* COUNT 100` },
    { title: 'What is the temperature for a specific device?', line: `hget ${keys.deviceHash(EXAMPLE_DEVICE)} temperature` },
    ...climates.map((key) => ({ title: 'What are the totals for each climate type?', line: `get ${key}` })),
    { title: 'Show me all of the data for a specific device.', line: `hgetall ${keys.deviceHash(EXAMPLE_DEVICE)}` },
    { title: 'Which energy buckets are waiting to be archived?', line: `sscan ${keys.energyPending} 0 COUNT 100` },
    { title: 'Which meters sent last?', line: `zrevrange ${keys.meters} 0 9 WITHSCORES` },
    { title: 'One meter\'s readings in one day bucket', line: `lrange ${keys.energyBucket(EXAMPLE_METER, EXAMPLE_BUCKET)} 0 -1` },
  ];
}
