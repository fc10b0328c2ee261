import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { loadOrCreateDemoCa } from '../../../core/certificates/certificate-authority.js';
import { clientIdentity } from '../../../core/certificates/client-identity.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const FINGERPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

function peer(fields: Partial<Record<keyof PeerCertificate, unknown>>): object {
  return { subject: { CN: 'meter-7' }, fingerprint256: FINGERPRINT, ...fields };
}

describe('clientIdentity', () => {
  it('takes the device id from the CN and the fingerprint in the format the CA reports', () => {
    expect(clientIdentity(peer({}))).toEqual({ deviceId: 'meter-7', fingerprint: 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789' });
  });

  it('gives the fingerprint issueClientCertificate reported for the same certificate', async () => {
    const temp = await makeTempDir('sw-identity-');
    try {
      const bundle = await (await loadOrCreateDemoCa(temp.path)).issueClientCertificate('thermostat-3');
      const { fingerprint256 } = new NodeX509Certificate(bundle.cert);
      expect(clientIdentity(peer({ subject: { CN: 'thermostat-3' }, fingerprint256 }))).toEqual({ deviceId: 'thermostat-3', fingerprint: bundle.fingerprint });
    } finally {
      await temp.remove();
    }
  });

  it.each([
    ['no certificate (node gives {})', {}],
    ['no CN', peer({ subject: { O: 'Acme' } })],
    ['two CNs', peer({ subject: { CN: ['meter-1', 'meter-2'] } })],
    ['a CN that would escape a topic ACL', peer({ subject: { CN: 'meters/#' } })],
    ['a fingerprint that is not SHA-256', peer({ fingerprint256: 'AB:CD' })],
  ])('gives null for %s', (_case, peerCertificate) => {
    expect(clientIdentity(peerCertificate)).toBeNull();
  });
});
