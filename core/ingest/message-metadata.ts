import type { InboundMessage } from '../domain/message-source.js';
import type { Rejection } from '../domain/rejection.js';

/**
 * What ingest does with an MQTT 5 publisher's metadata. A Content Type that names JSON
 * (application/json, with or without parameters, any +json type, text/json) or none at all is
 * read as today; any other is the publisher saying the payload is not what the rule reads, and the
 * message is rejected (acknowledged and dead-lettered) as not-json, naming the type.
 */
export function contentTypeRejection(message: InboundMessage, rule: string): Rejection | null {
  const contentType = message.metadata?.contentType;
  if (contentType === undefined || isJsonContentType(contentType)) return null;
  return { reason: 'not-json', detail: `(payload): MQTT 5 Content Type ${JSON.stringify(contentType.slice(0, 100))} is not JSON, which the ${rule} rule reads` };
}

export function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * The message's user properties as HSET field/value pairs for a rule that maps them (the router
 * passes them on only then), leaving out names in `taken`: a user property never overwrites a
 * field of the reading or payload. A name sent twice keeps its last value.
 */
export function userPropertyFields(message: InboundMessage, taken: (name: string) => boolean): string[] {
  const properties = message.metadata?.userProperties;
  if (properties === undefined) return [];
  const fields = new Map<string, string>();
  for (const [name, value] of properties) if (name !== '' && !taken(name)) fields.set(name, value);
  return [...fields].flat();
}
