import { describe, expect, it } from 'vitest';
import { deviceEnrollment, type DeviceEnrollmentParts } from '../../../core/app/device-enrollment.js';
import type { ListenerAddress } from '../../../core/broker/broker-listeners.js';
import type { ClientCertificateBundle } from '../../../core/certificates/certificate-authority.js';
import type { DeviceRegistrationInput, RegisteredDevice } from '../../../core/devices/device-registry.js';
import { Conflict, NotFound } from '../../../core/domain/errors.js';

const LISTENERS: ListenerAddress[] = [
  { protocol: 'mqtt', url: 'mqtt://127.0.0.1:1883', host: '127.0.0.1', port: 1883, clientCertificates: 'none' },
  { protocol: 'mqtts', url: 'mqtts://127.0.0.1:8883', host: '127.0.0.1', port: 8883, clientCertificates: 'required' },
];

type EnrollmentRegistry = DeviceEnrollmentParts['registry'];

/** The registry in a Map (the real one is tested against Redis in test/integration/devices and through the routes). */
class FakeRegistry implements EnrollmentRegistry {
  readonly devices = new Map<string, RegisteredDevice>();
  rotations = 0;

  async list(cursor = '0') {
    return { cursor, devices: [...this.devices.values()] };
  }

  async get(id: string) {
    return this.devices.get(id) ?? null;
  }

  async register(input: DeviceRegistrationInput) {
    const certificateFingerprint = input.auth === 'certificate' ? input.certificateFingerprint : null;
    const device: RegisteredDevice = {
      id: input.id,
      kind: input.kind,
      auth: input.auth,
      hasPassword: input.auth === 'password',
      certificateFingerprint,
      publish: input.publish ?? [],
      subscribe: input.subscribe ?? [],
      registered: 1,
      lastSeen: null,
      lastAddress: null,
    };
    this.devices.set(input.id, device);
    return input.auth === 'password' ? { device, password: `password-of-${input.id}` } : { device };
  }

  async remove(id: string) {
    return this.devices.delete(id);
  }

  async rotatePassword(id: string) {
    this.rotations += 1;
    return { device: this.devices.get(id)!, password: `new-password-${this.rotations}` };
  }
}

function setup(listeners: ListenerAddress[] = LISTENERS) {
  const registry = new FakeRegistry();
  const issued: string[] = [];
  const changed: string[] = [];
  let caFails = false;
  const enrollment = deviceEnrollment({
    registry,
    certificateAuthority: async () => ({
      issueClientCertificate: async (id): Promise<ClientCertificateBundle> => {
        if (caFails) throw new Error('EACCES: permission denied, open certificates/ca.key');
        issued.push(id);
        return { cert: `cert of ${id}`, key: `key of ${id}`, ca: 'the CA', fingerprint: `${issued.length}`.padStart(64, 'f') };
      },
    }),
    broker: { listeners, deviceChanged: (id) => changed.push(id) },
  });
  return { enrollment, registry, issued, changed, failCa: () => (caFails = true) };
}

describe('registering a device', () => {
  it('issues a certificate device its certificate and registers it by that fingerprint', async () => {
    const { enrollment, registry, issued } = setup();
    const kit = await enrollment.registerDevice({ id: 'D704206000042', kind: 'meter', auth: 'certificate' });
    expect(issued).toEqual(['D704206000042']);
    expect(kit.password).toBeUndefined();
    expect(kit.certificate).toEqual({ cert: 'cert of D704206000042', key: 'key of D704206000042', ca: 'the CA', fingerprint: 'f'.repeat(63) + '1' });
    expect((await registry.get('D704206000042'))?.certificateFingerprint).toBe(kit.certificate!.fingerprint);
    expect(kit.device).toMatchObject({ auth: 'certificate', publish: ['meters/D704206000042/#'] });
    expect(kit.endpoints).toEqual(LISTENERS);
    expect(kit.snippets.mosquittoPub).toContain('--cert D704206000042.crt --key D704206000042.key');
    expect(kit.snippets.mosquittoPub).toContain('-p 8883');
  });

  it("gives a password device its kind's publish filters before its own, and its password once", async () => {
    const { enrollment, issued } = setup();
    const kit = await enrollment.registerDevice({ id: 'T-17', kind: 'thermostat', auth: 'password', publish: ['alerts/T-17'], subscribe: ['commands/T-17/#'] });
    expect(issued).toEqual([]);
    expect(kit.certificate).toBeUndefined();
    expect(kit.password).toBe('password-of-T-17');
    expect(kit.device).toMatchObject({ publish: ['temp_readings', 'thermostats/T-17/#', 'alerts/T-17'], subscribe: ['commands/T-17/#'] });
    expect(kit.snippets.mosquittoPub).toContain('-u T-17 -P password-of-T-17');
  });

  it('refuses an id already registered as a conflict, issuing no certificate and keeping the entry', async () => {
    const { enrollment, registry, issued } = setup();
    const first = await enrollment.registerDevice({ id: 'm1', kind: 'meter', auth: 'password' });
    const again = enrollment.registerDevice({ id: 'm1', kind: 'meter', auth: 'certificate' });
    await expect(again).rejects.toThrow(Conflict);
    await expect(again).rejects.toThrow('device m1 is already registered');
    expect(issued).toEqual([]);
    expect(await registry.get('m1')).toEqual(first.device);
  });

  it('registers nothing when the certificate cannot be issued', async () => {
    const { enrollment, registry, failCa } = setup();
    failCa();
    await expect(enrollment.registerDevice({ id: 'c1', kind: 'meter', auth: 'certificate' })).rejects.toThrow('EACCES');
    expect(registry.devices.size).toBe(0);
  });

  it('shows a listener bound to every address at an address a device can dial', async () => {
    const { enrollment } = setup([{ protocol: 'mqtt', url: 'mqtt://0.0.0.0:1883', host: '0.0.0.0', port: 1883, clientCertificates: 'none' }]);
    const [endpoint] = (await enrollment.registerDevice({ id: 'lan', kind: 'other', auth: 'password', publish: ['lan/x'] })).endpoints;
    expect(endpoint!.host).not.toBe('0.0.0.0');
    expect(endpoint!.url).toBe(`mqtt://${endpoint!.host}:1883`);
  });
});

describe('removing a device', () => {
  it('unregisters it and has the broker disconnect it; an unknown id is not found and disconnects nobody', async () => {
    const { enrollment, registry, changed } = setup();
    await enrollment.registerDevice({ id: 'gone', kind: 'meter', auth: 'password' });
    await enrollment.removeDevice('gone');
    expect(changed).toEqual(['gone']);
    expect(registry.devices.has('gone')).toBe(false);
    await expect(enrollment.removeDevice('gone')).rejects.toThrow(new NotFound('no device gone is registered'));
    expect(changed).toEqual(['gone']);
  });
});

describe('a new password', () => {
  it('replaces a password device’s password and disconnects the session opened with the old one', async () => {
    const { enrollment, changed } = setup();
    await enrollment.registerDevice({ id: 'p1', kind: 'meter', auth: 'password' });
    const kit = await enrollment.newDevicePassword('p1');
    expect(kit.password).toBe('new-password-1');
    expect(changed).toEqual(['p1']);
    expect(kit.endpoints).toEqual(LISTENERS);
    expect(kit.snippets.mosquittoPub).toContain('-P new-password-1');
  });

  it('refuses a certificate device (conflict) and an unknown id (not found), touching neither registry nor broker', async () => {
    const { enrollment, registry, changed } = setup();
    await enrollment.registerDevice({ id: 'c1', kind: 'meter', auth: 'certificate' });
    const refused = enrollment.newDevicePassword('c1');
    await expect(refused).rejects.toThrow(Conflict);
    await expect(refused).rejects.toThrow('device c1 authenticates with a client certificate and has no password');
    await expect(enrollment.newDevicePassword('nobody')).rejects.toThrow(NotFound);
    expect(registry.rotations).toBe(0);
    expect(changed).toEqual([]);
  });
});
