import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { SubjectAlternativeNameExtension, type X509Certificate } from './x509.js';
import { z } from 'zod';

/** The names a server certificate is valid for: its subject alternative names. */
export interface ServerNames {
  hostnames: string[];
  addresses: string[];
}

// RFC 1123 labels; DNS is case-insensitive, so names are kept in lower case and compare as strings.
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const hostnameSchema = z.string().trim().toLowerCase().regex(DNS_NAME, { message: 'must be a DNS name (letters, digits, hyphens and dots)' });

// A zone id (fe80::1%eth0) cannot be put in a certificate, and @peculiar/x509 would silently encode it wrong.
const addressSchema = z
  .string()
  .trim()
  .refine((address) => isIP(address) !== 0 && !address.includes('%'), { message: 'must be an IPv4 or IPv6 address without a zone id' })
  .transform(canonicalAddress);

const serverNamesSchema = z
  .object({ hostnames: z.array(hostnameSchema), addresses: z.array(addressSchema) })
  .strict()
  .refine((names) => names.hostnames.length + names.addresses.length > 0, { message: 'a server certificate needs at least one hostname or address' })
  .transform((names) => ({ hostnames: [...new Set(names.hostnames)], addresses: [...new Set(names.addresses)] }));

/** Validates names from configuration or a caller: lower-case hostnames, canonical addresses, no duplicates. */
export function parseServerNames(input: unknown): ServerNames {
  const result = serverNamesSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`server names: ${issue.path.join('.') || 'names'}: ${issue.message}`);
}

/**
 * Every name a device on this machine or the LAN might use to reach the broker: the hostname,
 * localhost, and every interface address. Loopback is listed even when the interface table lacks
 * it (IPv6 disabled), because clients resolving localhost may try either.
 */
export function machineNames(): ServerNames {
  const interfaceAddresses = Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((address) => address.address));
  const hostnames = [hostname(), 'localhost'].filter((name) => hostnameSchema.safeParse(name).success);
  return parseServerNames({ hostnames, addresses: ['127.0.0.1', '::1', ...interfaceAddresses] });
}

/** True when the certificate's subject alternative names include every requested name. */
export function certificateCoversNames(certificate: X509Certificate, names: ServerNames): boolean {
  const alternativeNames = certificate.getExtension(SubjectAlternativeNameExtension)?.names.items ?? [];
  const dnsNames = new Set(alternativeNames.filter((name) => name.type === 'dns').map((name) => name.value.toLowerCase()));
  const addresses = new Set(alternativeNames.filter((name) => name.type === 'ip' && isIP(name.value) !== 0).map((name) => canonicalAddress(name.value)));
  return names.hostnames.every((name) => dnsNames.has(name)) && names.addresses.every((address) => addresses.has(address));
}

/**
 * One spelling per address, so "::0:1" and "::1" compare equal; the URL parser does the RFC 5952
 * compression and turns an IPv4-mapped tail into hex, which @peculiar/x509 cannot parse otherwise.
 */
function canonicalAddress(address: string): string {
  if (isIP(address) === 4) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
