import { describe, expect, it } from 'vitest';
import { describeAddress } from '../../../core/domain/connection.js';
import { InvalidConnection, parseRedisUrl, settingsFromInput } from '../../../core/connections/connection-settings.js';

describe('settingsFromInput', () => {
  it('gives a new connection the documented defaults: read-only, TLS verification on, the source documents\' key names', () => {
    const { settings, secrets } = settingsFromInput({ name: 'prod' });
    expect(settings).toMatchObject({
      kind: 'standalone',
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      readOnly: true,
      tls: { enabled: false, verify: true },
      schema: { keyPrefix: '', namespace: 'backend:dev', sensorData: 'SensorData', climatePrefix: 'climate:', devicePrefix: '', warningsChannel: 'Warnings' },
    });
    expect(secrets).toEqual({});
  });

  it('takes host, port, user, password, db and TLS from a pasted rediss:// URL, over the fields beside it', () => {
    const { settings, secrets } = settingsFromInput({ name: 'cache', host: 'ignored', url: 'rediss://reader:p%40ss@cache.example.com:6380/3' });
    expect(settings).toMatchObject({ host: 'cache.example.com', port: 6380, username: 'reader', db: 3, tls: { enabled: true, verify: true } });
    expect(secrets).toEqual({ password: 'p@ss' });
  });

  it('keeps what an edit leaves out, and lets the edit change the rest', () => {
    const base = settingsFromInput({ name: 'a', host: 'h1', schema: { keyPrefix: 'prod:' } }).settings;
    const { settings } = settingsFromInput({ port: 7000, schema: { sensorData: 'Events' } }, base);
    expect(settings).toMatchObject({ name: 'a', host: 'h1', port: 7000, schema: { keyPrefix: 'prod:', sensorData: 'Events' } });
  });

  it('unsets optional settings an edit sends as empty or null', () => {
    const base = settingsFromInput({ name: 'a', username: 'reader', tls: { enabled: true, servername: 'cache.local' } }).settings;
    const { settings } = settingsFromInput({ username: '', tls: { servername: null } }, base);
    expect(settings.username).toBeUndefined();
    expect(settings.tls).toEqual({ enabled: true, verify: true });
  });

  it.each([
    [{ name: '' }, /^name: /],
    [{ name: 'x', port: 70000 }, /^port: /],
    [{ name: 'x', kind: 'sentinel' }, /^sentinel: is required/],
    [{ name: 'x', kind: 'cluster', cluster: { seeds: [{ host: 'a', port: 1 }] }, db: 2 }, /^db: must be 0 on a cluster/],
    [{ name: 'x', tls: { ca: 'not a pem' } }, /^tls\.ca: must be PEM/],
    [{ name: 'x', schema: { keyPrefix: 'has space' } }, /^schema\.keyPrefix: must not contain white space/],
    [{ name: 'x', url: 'http://example.com' }, /^url: http:\/\/ is not redis:\/\//],
    [{ name: 'x', url: 'redis://host/abc' }, /^url: "\/abc" is not a database number/],
    [{ name: 'x', bogus: 1 }, /^connection: Unrecognized key/],
  ])('refuses %j with a message naming the field', (input, message) => {
    expect(() => settingsFromInput(input)).toThrow(InvalidConnection);
    expect(() => settingsFromInput(input)).toThrow(message);
  });

  it('passes secret changes through: a string sets, null clears', () => {
    const { secrets } = settingsFromInput({ name: 'x', secrets: { password: 'pw', tlsKey: null } });
    expect(secrets).toEqual({ password: 'pw', tlsKey: null });
  });
});

describe('parseRedisUrl', () => {
  it('reads a bare redis://host as port 6379 without credentials', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({ settings: { kind: 'standalone', host: 'localhost', port: 6379, tls: { enabled: false } } });
  });

  it('reads an IPv6 address without its brackets', () => {
    expect(parseRedisUrl('redis://[::1]:7000').settings.host).toBe('::1');
  });
});

describe('describeAddress', () => {
  it('never shows credentials and names the topology', () => {
    const standalone = settingsFromInput({ name: 'x', url: 'rediss://u:secret@h:1/2' }).settings;
    expect(describeAddress(standalone)).toBe('rediss://h:1/2');
    const sentinel = settingsFromInput({ name: 'x', kind: 'sentinel', sentinel: { masterName: 'm', nodes: [{ host: 's1', port: 26379 }] } }).settings;
    expect(describeAddress(sentinel)).toBe('sentinel m via s1:26379');
    const cluster = settingsFromInput({ name: 'x', kind: 'cluster', cluster: { seeds: [{ host: '::1', port: 7000 }] } }).settings;
    expect(describeAddress(cluster)).toBe('cluster via [::1]:7000');
  });
});
