import { isIPv4, isIPv6 } from 'node:net';

/**
 * Only loopback keeps other machines out. Host names other than localhost count as reachable: what
 * they resolve to can change, and guessing wrong here would open the broker to the LAN.
 */
export function requiresAuthentication(host: string): boolean {
  return !isLoopback(host);
}

/**
 * Clients without credentials are taken only where other machines cannot connect, unless the user
 * said that anyone on the network may publish. Beyond loopback without that consent the broker
 * still listens, for registered devices.
 */
export function anonymousAllowed(host: string, allowLanAnonymous: boolean): boolean {
  return !requiresAuthentication(host) || allowLanAnonymous;
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost') return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (isIPv6(name)) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}
