import { networkInterfaces } from 'node:os';
import type { ListenerAddress } from './broker-listeners.js';

/** The listener as a device on the network reaches it: an "any address" bind is shown as this machine's LAN address. */
export function reachableFromDevices(listener: ListenerAddress): ListenerAddress {
  if (listener.host !== '0.0.0.0' && listener.host !== '::') return listener;
  const host = lanAddress() ?? '127.0.0.1';
  const url = new URL(listener.url);
  url.hostname = host;
  return { ...listener, host, url: url.toString().replace(/\/$/, '') };
}

/** The first external IPv4 address: what a device on the same LAN would dial. */
function lanAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (external) return external.address;
  }
  return null;
}
