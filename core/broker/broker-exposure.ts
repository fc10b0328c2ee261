import { isIPv4, isIPv6 } from 'node:net';

/**
 * Only loopback keeps other machines out. Host names other than localhost count as reachable: what
 * they resolve to can change, and guessing wrong here would open the broker to the LAN.
 */
export function requiresAuthentication(host: string): boolean {
  return !isLoopback(host);
}

/**
 * Nothing authenticates MQTT clients yet, so a broker other machines can reach would take readings
 * from anyone. Device authentication will add itself as one more condition here.
 */
export function refuseAnonymousExposure(host: string, allowLanAnonymous: boolean): void {
  if (requiresAuthentication(host) && !allowLanAnonymous) {
    throw new Error(
      `MQTT broker refuses to listen on ${host}: other machines could publish and subscribe without authentication. ` +
        'Bind to 127.0.0.1 (--mqtt-host), or accept anonymous clients from the network with --mqtt-allow-lan-anonymous',
    );
  }
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost') return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (isIPv6(name)) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}
