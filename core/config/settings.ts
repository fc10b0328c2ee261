/** How a config value can be set from outside the config file: one row per command-line flag. */
export interface SettingSource {
  flag: string;
  env: string;
  path: string;
  kind: 'string' | 'number' | 'boolean';
  help: string;
}

export const SETTINGS: readonly SettingSource[] = [
  { flag: 'data-dir', env: 'SW_DATA_DIR', path: 'dataDir', kind: 'string', help: 'where the embedded Redis keeps its data and config.json lives' },
  { flag: 'read-only', env: 'SW_READ_ONLY', path: 'readOnly', kind: 'boolean', help: 'never write to Redis: no ingest, no emulator' },
  { flag: 'http-host', env: 'SW_HTTP_HOST', path: 'http.host', kind: 'string', help: 'address the HTTP API binds to' },
  { flag: 'http-port', env: 'SW_HTTP_PORT', path: 'http.port', kind: 'number', help: 'HTTP API port, 0 = any free port' },
  { flag: 'mqtt-host', env: 'SW_MQTT_HOST', path: 'mqtt.host', kind: 'string', help: 'address the MQTT broker binds to' },
  { flag: 'mqtt-port', env: 'SW_MQTT_PORT', path: 'mqtt.port', kind: 'number', help: 'MQTT (TCP) port, 0 = any free port' },
  { flag: 'redis-url', env: 'SW_REDIS_URL', path: 'redis.url', kind: 'string', help: 'use this Redis (redis:// or rediss://) instead of the embedded one' },
  { flag: 'redis-port', env: 'SW_REDIS_PORT', path: 'redis.port', kind: 'number', help: 'port of the embedded redis-server, 0 = any free port' },
  { flag: 'redis-persistence', env: 'SW_REDIS_PERSISTENCE', path: 'redis.persistence', kind: 'boolean', help: 'keep the embedded Redis data in the data dir (append-only file)' },
  { flag: 'redis-binary', env: 'REDISMS_SYSTEM_BINARY', path: 'redis.systemBinary', kind: 'string', help: 'redis-server binary to run (default: redis-server on PATH, else download)' },
  { flag: 'emulate', env: 'SW_EMULATE', path: 'emulator.mode', kind: 'string', help: 'start an emulator: thermostats or none' },
  { flag: 'rate', env: 'SW_RATE', path: 'emulator.rate', kind: 'number', help: 'emulated readings per second (default 2.75: 11 every 4 s)' },
  { flag: 'devices', env: 'SW_DEVICES', path: 'emulator.devices', kind: 'number', help: 'emulated device ids 1..n' },
  { flag: 'emulator-qos', env: 'SW_EMULATOR_QOS', path: 'emulator.qos', kind: 'number', help: 'MQTT QoS the emulator publishes with (0 or 1)' },
  { flag: 'buffer-limit', env: 'SW_BUFFER_LIMIT', path: 'ingest.bufferLimit', kind: 'number', help: 'readings held while Redis is away before publishers are slowed' },
  { flag: 'max-batch', env: 'SW_MAX_BATCH', path: 'ingest.maxBatch', kind: 'number', help: 'most readings written in one Redis transaction' },
  { flag: 'max-payload-bytes', env: 'SW_MAX_PAYLOAD_BYTES', path: 'ingest.maxPayloadBytes', kind: 'number', help: 'larger payloads are rejected' },
  { flag: 'dead-letter-cap', env: 'SW_DEAD_LETTER_CAP', path: 'ingest.deadLetterCap', kind: 'number', help: 'rejected payloads kept in the dead-letter list' },
  { flag: 'shutdown-flush-ms', env: 'SW_SHUTDOWN_FLUSH_MS', path: 'ingest.shutdownFlushMs', kind: 'number', help: 'how long shutdown waits to write what is buffered' },
  { flag: 'key-prefix', env: 'SW_KEY_PREFIX', path: 'model.keyPrefix', kind: 'string', help: 'prefix of the thermostat keys (default none)' },
];
