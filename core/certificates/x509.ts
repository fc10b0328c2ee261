// The one door to @peculiar/x509 in core: its dependency tsyringe refuses to load without the
// Reflect metadata API, which reflect-metadata (the library's documented companion) installs.
import 'reflect-metadata';

export * from '@peculiar/x509';
