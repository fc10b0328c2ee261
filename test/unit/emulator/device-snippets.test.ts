import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deviceSnippets, sampleTopic, shellQuote, type BrokerEndpoint } from '../../../core/emulator/device-snippets.js';
import { meterReadingSchema } from '../../../core/ingest/meter-payload.js';
import { thermostatPayloadSchema } from '../../../core/ingest/thermostat-payload.js';

const MQTT: BrokerEndpoint = { protocol: 'mqtt', url: 'mqtt://127.0.0.1:1883', host: '127.0.0.1', port: 1883, clientCertificates: 'none' };
const MQTTS: BrokerEndpoint = { protocol: 'mqtts', url: 'mqtts://192.168.1.5:8883', host: '192.168.1.5', port: 8883, clientCertificates: 'required' };
const WSS: BrokerEndpoint = { protocol: 'wss', url: 'wss://192.168.1.5:8884/mqtt', host: '192.168.1.5', port: 8884, clientCertificates: 'optional' };
const NOW = Date.UTC(2026, 10, 22, 12, 7, 30);

/** The arguments bash hands mosquitto_pub for the snippet: what the user gets by pasting it. */
function shellArguments(snippet: string): string[] {
  const script = snippet.replace(/^mosquitto_pub/m, `printf '%s\\0'`);
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index < 0 ? undefined : args[index + 1];
}

describe('mosquitto_pub snippet', () => {
  it('connects a certificate device over mutual TLS with its files, and publishes a meter reading the ingest accepts', () => {
    const { mosquittoPub } = deviceSnippets({ id: 'D704206000042', kind: 'meter', publish: ['meters/D704206000042/#'] }, { certificate: true }, [MQTT, MQTTS], NOW);
    const args = shellArguments(mosquittoPub);
    expect(option(args, '-h')).toBe('192.168.1.5');
    expect(option(args, '-p')).toBe('8883');
    expect(option(args, '--cafile')).toBe('ca.crt');
    expect(option(args, '--cert')).toBe('D704206000042.crt');
    expect(option(args, '--key')).toBe('D704206000042.key');
    expect(option(args, '-q')).toBe('1');
    expect(option(args, '-t')).toBe('meters/D704206000042/energy');
    expect(args).not.toContain('-u');
    const readings = JSON.parse(option(args, '-m')!) as unknown[];
    expect(readings).toHaveLength(1);
    const reading = meterReadingSchema.parse(readings[0]);
    // The last whole five-minute interval before NOW.
    expect(reading).toMatchObject({ timestamp: Date.UTC(2026, 10, 22, 12, 0) / 1000, duration: 300 });
  });

  it('connects a password device with -u and -P over plain MQTT, and publishes a thermostat reading', () => {
    const { mosquittoPub } = deviceSnippets({ id: 'T-17', kind: 'thermostat', publish: ['temp_readings'] }, { password: 'pa$s w0rd\'"`;' }, [MQTTS, MQTT], NOW);
    const args = shellArguments(mosquittoPub);
    expect(option(args, '-p')).toBe('1883');
    expect(option(args, '-u')).toBe('T-17');
    expect(option(args, '-P')).toBe('pa$s w0rd\'"`;');
    expect(args).not.toContain('--cafile');
    expect(option(args, '-t')).toBe('temp_readings');
    expect(thermostatPayloadSchema.parse(JSON.parse(option(args, '-m')!))).toMatchObject({ deviceId: 'T-17' });
  });

  it('uses TLS with the CA for a password device when there is no plain listener', () => {
    const { mosquittoPub } = deviceSnippets({ id: 'T-17', kind: 'thermostat', publish: [] }, { password: 'secret' }, [MQTTS], NOW);
    const args = shellArguments(mosquittoPub);
    expect(option(args, '-p')).toBe('8883');
    expect(option(args, '--cafile')).toBe('ca.crt');
    expect(args).not.toContain('--cert');
  });

  it('says so when no listener fits, rather than printing a command that cannot connect', () => {
    const snippets = deviceSnippets({ id: 'm1', kind: 'meter', publish: [] }, { certificate: true }, [MQTT], NOW);
    expect(snippets.mosquittoPub).toBe('# mosquitto_pub needs an MQTTS listener that asks for client certificates, and the broker has none.');
    expect(snippets.mqttJs).toBe('// The broker has no TLS listener that asks for client certificates for this device.');
  });

  it('quotes every user-derived value as one shell word', () => {
    expect(shellQuote('plain-word_1.2')).toBe('plain-word_1.2');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const hostile = `x'; rm -rf ~; echo '$(id)\``;
    const { mosquittoPub } = deviceSnippets({ id: 'o1', kind: 'other', publish: [`${hostile}/+/#`] }, { password: hostile }, [MQTT], NOW);
    const args = shellArguments(mosquittoPub);
    expect(option(args, '-t')).toBe(`${hostile}/o1`);
    expect(option(args, '-P')).toBe(hostile);
  });
});

describe('MQTT 5 snippets', () => {
  it('are the 3.1.1 command and script with MQTT 5 asked for and the payload marked application/json', () => {
    const snippets = deviceSnippets({ id: 'T-17', kind: 'thermostat', publish: ['temp_readings'] }, { password: 'secret' }, [MQTT], NOW);
    const v5 = shellArguments(snippets.mosquittoPubV5);
    expect(option(v5, '-V')).toBe('5');
    expect(v5.slice(v5.indexOf('-D'), v5.indexOf('-D') + 4)).toEqual(['-D', 'publish', 'content-type', 'application/json']);
    const without5 = v5.filter((_, index) => ![v5.indexOf('-V'), v5.indexOf('-V') + 1].includes(index) && (index < v5.indexOf('-D') || index > v5.indexOf('-D') + 3));
    expect(without5).toEqual(shellArguments(snippets.mosquittoPub));
    expect(snippets.mqttJsV5).toContain('clientId: "T-17",\n  protocolVersion: 5,');
    expect(snippets.mqttJsV5).toContain('JSON.stringify(payload), { qos: 1, properties: { contentType: "application/json" } });');
    expect(snippets.mqttJs).not.toContain('protocolVersion');
  });
});

describe('mqtt.js snippet', () => {
  it('is an ESM script that connects with the certificate files, publishes and ends', () => {
    const { mqttJs } = deviceSnippets({ id: 'D1', kind: 'meter', publish: [] }, { certificate: true }, [MQTT, WSS], NOW);
    expect(mqttJs).toContain("import { readFileSync } from 'node:fs';\nimport mqtt from 'mqtt';");
    expect(mqttJs).toContain('await mqtt.connectAsync("wss://192.168.1.5:8884/mqtt", {');
    expect(mqttJs).toContain('ca: readFileSync("ca.crt"),\n  cert: readFileSync("D1.crt"),\n  key: readFileSync("D1.key"),');
    expect(mqttJs).toContain('await client.publishAsync("meters/D1/energy", JSON.stringify(payload), { qos: 1 });\nawait client.endAsync();');
  });

  it('passes username and password as JavaScript strings, whatever they hold', () => {
    const password = 'a"b\\c\u2028d';
    const { mqttJs } = deviceSnippets({ id: 'T-1', kind: 'thermostat', publish: [] }, { password }, [MQTT], NOW);
    expect(mqttJs).not.toContain('readFileSync');
    expect(mqttJs).toContain(`username: "T-1",\n  password: ${JSON.stringify(password)},`);
    // The script parses as a module (imports and top-level await), so the quoting holds.
    const body = mqttJs.replace(/^import .*$/gm, '').replaceAll('await ', '');
    expect(() => new Function('mqtt', 'JSON', body)).not.toThrow();
  });
});

describe('sample topic', () => {
  it('is the ingest topic for meters and thermostats, and for other devices a topic their first filter allows', () => {
    expect(sampleTopic({ id: 'm', kind: 'meter', publish: [] })).toBe('meters/m/energy');
    expect(sampleTopic({ id: 't', kind: 'thermostat', publish: [] })).toBe('temp_readings');
    expect(sampleTopic({ id: 'o', kind: 'other', publish: ['sites/+/o/#'] })).toBe('sites/o/o');
    expect(sampleTopic({ id: 'o', kind: 'other', publish: ['#'] })).toBe('o');
    expect(sampleTopic({ id: 'o', kind: 'other', publish: [] })).toBeNull();
  });
});
