/** How a config value can be set from outside the config file: one row per command-line flag. */
export interface SettingSource {
  flag: string;
  env: string;
  path: string;
  kind: 'string' | 'number' | 'boolean';
  help: string;
  /** A switch takes no value on the command line: present means true. */
  switch?: true;
}

export const SETTINGS: readonly SettingSource[] = [
  { flag: 'data-dir', env: 'SW_DATA_DIR', path: 'dataDir', kind: 'string', help: 'where the embedded Redis keeps its data and config.json lives' },
  { flag: 'read-only', env: 'SW_READ_ONLY', path: 'readOnly', kind: 'boolean', switch: true, help: 'never write to Redis: no ingest, no emulator' },
  { flag: 'http-host', env: 'SW_HTTP_HOST', path: 'http.host', kind: 'string', help: 'address the HTTP API binds to' },
  { flag: 'http-port', env: 'SW_HTTP_PORT', path: 'http.port', kind: 'number', help: 'HTTP API port, 0 = any free port' },
  { flag: 'mqtt-host', env: 'SW_MQTT_HOST', path: 'mqtt.host', kind: 'string', help: 'address the MQTT broker binds to; anything but loopback needs --mqtt-allow-lan-anonymous' },
  { flag: 'mqtt-port', env: 'SW_MQTT_PORT', path: 'mqtt.port', kind: 'number', help: 'MQTT (TCP) port, 0 = any free port' },
  { flag: 'mqtt-ws-port', env: 'SW_MQTT_WS_PORT', path: 'mqtt.wsPort', kind: 'number', help: 'MQTT over WebSocket port (path /mqtt), 0 = any free port; unset = off' },
  { flag: 'mqtts-port', env: 'SW_MQTTS_PORT', path: 'mqtt.tlsPort', kind: 'number', help: 'MQTTS (TLS) port, 0 = any free port; unset = off; needs --mqtt-tls-cert and --mqtt-tls-key' },
  { flag: 'mqtt-wss-port', env: 'SW_MQTT_WSS_PORT', path: 'mqtt.wssPort', kind: 'number', help: 'MQTT over secure WebSocket port (path /mqtt), 0 = any free port; unset = off' },
  { flag: 'mqtt-tls-cert', env: 'SW_MQTT_TLS_CERT', path: 'mqtt.tls.certFile', kind: 'string', help: 'PEM certificate (chain) of the MQTTS and WSS listeners' },
  { flag: 'mqtt-tls-key', env: 'SW_MQTT_TLS_KEY', path: 'mqtt.tls.keyFile', kind: 'string', help: 'PEM private key (unencrypted) of that certificate' },
  { flag: 'mqtt-tls-ca', env: 'SW_MQTT_TLS_CA', path: 'mqtt.tls.caFile', kind: 'string', help: 'PEM CA of client certificates; with it TLS clients are asked for one' },
  { flag: 'mqtt-require-client-cert', env: 'SW_MQTT_REQUIRE_CLIENT_CERT', path: 'mqtt.tls.requireClientCert', kind: 'boolean', switch: true, help: 'mutual TLS: refuse TLS clients without a certificate signed by --mqtt-tls-ca' },
  { flag: 'mqtt-allow-lan-anonymous', env: 'SW_MQTT_ALLOW_LAN_ANONYMOUS', path: 'mqtt.allowLanAnonymous', kind: 'boolean', switch: true, help: 'let --mqtt-host be a non-loopback address although MQTT clients are not authenticated' },
  { flag: 'redis-url', env: 'SW_REDIS_URL', path: 'redis.url', kind: 'string', help: 'use this Redis (redis:// or rediss://) instead of the embedded one' },
  { flag: 'redis-port', env: 'SW_REDIS_PORT', path: 'redis.port', kind: 'number', help: 'port of the embedded redis-server, 0 = any free port' },
  { flag: 'redis-persistence', env: 'SW_REDIS_PERSISTENCE', path: 'redis.persistence', kind: 'boolean', help: 'keep the embedded Redis data in the data dir (append-only file)' },
  { flag: 'redis-binary', env: 'REDISMS_SYSTEM_BINARY', path: 'redis.systemBinary', kind: 'string', help: 'redis-server binary to run (default: redis-server on PATH, else download)' },
  { flag: 'emulate', env: 'SW_EMULATE', path: 'emulator.mode', kind: 'string', help: 'start emulators: thermostats, meters, all or none' },
  { flag: 'rate', env: 'SW_RATE', path: 'emulator.rate', kind: 'number', help: 'emulated readings per second (default 2.75: 11 every 4 s)' },
  { flag: 'devices', env: 'SW_DEVICES', path: 'emulator.devices', kind: 'number', help: 'emulated device ids 1..n' },
  { flag: 'emulator-qos', env: 'SW_EMULATOR_QOS', path: 'emulator.qos', kind: 'number', help: 'MQTT QoS the emulator publishes with (0 or 1)' },
  { flag: 'meters', env: 'SW_METERS', path: 'emulator.meters', kind: 'number', help: 'emulated smart meters' },
  { flag: 'meter-interval', env: 'SW_METER_INTERVAL', path: 'emulator.meterIntervalSeconds', kind: 'number', help: 'emulated seconds between two readings of one meter (default 300)' },
  { flag: 'meter-speed', env: 'SW_METER_SPEED', path: 'emulator.meterSpeed', kind: 'number', help: 'emulated time runs this many times faster until it reaches now (e.g. 2880: a day in 30 s)' },
  { flag: 'meter-history-days', env: 'SW_METER_HISTORY_DAYS', path: 'emulator.meterHistoryDays', kind: 'number', help: 'emulated meter time starts this many days ago' },
  { flag: 'meter-transport', env: 'SW_METER_TRANSPORT', path: 'emulator.meterTransport', kind: 'string', help: 'how emulated meters send: udp (as the document) or mqtt' },
  { flag: 'buffer-limit', env: 'SW_BUFFER_LIMIT', path: 'ingest.bufferLimit', kind: 'number', help: 'readings held while Redis is away before publishers are slowed' },
  { flag: 'max-batch', env: 'SW_MAX_BATCH', path: 'ingest.maxBatch', kind: 'number', help: 'most readings written in one Redis transaction' },
  { flag: 'max-payload-bytes', env: 'SW_MAX_PAYLOAD_BYTES', path: 'ingest.maxPayloadBytes', kind: 'number', help: 'larger payloads are rejected' },
  { flag: 'dead-letter-cap', env: 'SW_DEAD_LETTER_CAP', path: 'ingest.deadLetterCap', kind: 'number', help: 'rejected payloads kept in the dead-letter list' },
  { flag: 'shutdown-flush-ms', env: 'SW_SHUTDOWN_FLUSH_MS', path: 'ingest.shutdownFlushMs', kind: 'number', help: 'how long shutdown waits to write what is buffered' },
  { flag: 'key-prefix', env: 'SW_KEY_PREFIX', path: 'model.keyPrefix', kind: 'string', help: 'prefix of the thermostat keys (default none)' },
  { flag: 'namespace', env: 'SW_NAMESPACE', path: 'model.namespace', kind: 'string', help: 'namespace of the smart-meter keys (default backend:dev)' },
  { flag: 'udp-host', env: 'SW_UDP_HOST', path: 'energy.udpHost', kind: 'string', help: 'address the meter datagram listener binds to' },
  { flag: 'udp-port', env: 'SW_UDP_PORT', path: 'energy.udpPort', kind: 'number', help: 'meter datagram (UDP) port, 0 = any free port' },
  { flag: 'bucket-seconds', env: 'SW_BUCKET_SECONDS', path: 'energy.bucketSeconds', kind: 'number', help: 'length of one energy bucket (default 86400, a day)' },
  { flag: 'bucket-grace-seconds', env: 'SW_BUCKET_GRACE_SECONDS', path: 'energy.graceSeconds', kind: 'number', help: 'a bucket is archived once its end plus this has passed' },
  { flag: 'energy-max-payload-bytes', env: 'SW_ENERGY_MAX_PAYLOAD_BYTES', path: 'energy.maxPayloadBytes', kind: 'number', help: 'larger meter datagrams and payloads are rejected' },
  { flag: 'archive-interval', env: 'SW_ARCHIVE_INTERVAL', path: 'archive.intervalSeconds', kind: 'number', help: 'seconds between archive passes, 0 = only on demand' },
  { flag: 'archive-concurrency', env: 'SW_ARCHIVE_CONCURRENCY', path: 'archive.concurrency', kind: 'number', help: 'buckets archived at the same time' },
  { flag: 's3-endpoint', env: 'SW_S3_ENDPOINT', path: 'archive.s3.endpoint', kind: 'string', help: 'S3-compatible endpoint (MinIO, s3rver); unset = AWS S3' },
  { flag: 's3-region', env: 'SW_S3_REGION', path: 'archive.s3.region', kind: 'string', help: 'S3 region (default us-east-1)' },
  { flag: 's3-bucket', env: 'SW_S3_BUCKET', path: 'archive.s3.bucket', kind: 'string', help: 'S3 bucket for archived energy buckets; unset = no archiving' },
  { flag: 's3-key-prefix', env: 'SW_S3_KEY_PREFIX', path: 'archive.s3.keyPrefix', kind: 'string', help: 'prefix of every archived object key' },
  { flag: 's3-path-style', env: 'SW_S3_PATH_STYLE', path: 'archive.s3.pathStyle', kind: 'boolean', switch: true, help: 'path-style S3 URLs (MinIO, s3rver)' },
  { flag: 's3-create-bucket', env: 'SW_S3_CREATE_BUCKET', path: 'archive.s3.createBucket', kind: 'boolean', help: 'create the bucket when it is missing (default true)' },
];
