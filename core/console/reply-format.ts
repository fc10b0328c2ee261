/** Replies shown the way redis-cli prints them on a terminal (cliFormatReplyTTY in redis-cli.c, RESP2). */

/**
 * A reply as ioredis `callBuffer` gives it: bulk and status strings as Buffer, integers as number,
 * nil as null, arrays nested, and Error objects for error replies inside arrays (e.g. in EXEC).
 * A string is a status reply the caller knows to be one, shown unquoted like redis-cli shows statuses.
 */
export type ConsoleValue = Buffer | string | number | null | Error | ConsoleValue[];

// ioredis delivers status replies as Buffers, the same as bulk strings. redis-cli prints statuses
// unquoted, so a top-level reply that is one of the common statuses, or any reply to TYPE (always
// a status), is shown unquoted; a bulk string with exactly this text is then shown unquoted too.
const STATUS_REPLIES = ['OK', 'PONG', 'QUEUED'].map((text) => Buffer.from(text));
const COMMANDS_REPLYING_STATUS = new Set(['type']);

const PRINTABLE_ASCII_FIRST = 0x20;
const PRINTABLE_ASCII_LAST = 0x7e;
const BYTE_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x5c, '\\\\'],
  [0x22, '\\"'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x07, '\\a'],
  [0x08, '\\b'],
]);

/** A bulk string quoted as redis's sdscatrepr does; every byte outside printable ASCII shows as \xhh. */
function quoteBulkString(bytes: Buffer): string {
  let quoted = '"';
  for (const byte of bytes) {
    const escape = BYTE_ESCAPES.get(byte);
    if (escape !== undefined) quoted += escape;
    else if (byte >= PRINTABLE_ASCII_FIRST && byte <= PRINTABLE_ASCII_LAST) quoted += String.fromCharCode(byte);
    else quoted += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return quoted + '"';
}

/** `(error) <message>` as redis-cli prints a top-level error reply. */
export function formatError(message: string): string {
  return `(error) ${message}`;
}

/**
 * An array's elements numbered `1)`, `2)`, … with the numbers right-aligned to the widest.
 * The first element follows the number the parent already printed on this line; later ones start
 * with `indent`, the width of all enclosing numbers, so nested items align under their first item.
 */
function formatArray(elements: ConsoleValue[], indent: string): string {
  if (elements.length === 0) return '(empty array)';
  const numberWidth = String(elements.length).length;
  const elementIndent = indent + ' '.repeat(numberWidth + 2);
  return elements
    .map((element, i) => {
      const number = String(i + 1).padStart(numberWidth);
      return `${i === 0 ? '' : indent}${number}) ${formatValue(element, elementIndent)}`;
    })
    .join('\n');
}

function formatValue(value: ConsoleValue, indent: string): string {
  if (value === null) return '(nil)';
  if (typeof value === 'number') return `(integer) ${value}`;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return formatError(value.message);
  if (Array.isArray(value)) return formatArray(value, indent);
  return quoteBulkString(value);
}

function isStatusReply(reply: Buffer, commandName: string): boolean {
  return COMMANDS_REPLYING_STATUS.has(commandName.toLowerCase()) || STATUS_REPLIES.some((status) => status.equals(reply));
}

/** Formats a reply the way redis-cli prints it on a terminal; lines are joined by "\n", with no newline at the end. */
export function formatReply(reply: ConsoleValue, commandName: string): string {
  if (Buffer.isBuffer(reply) && isStatusReply(reply, commandName)) return reply.toString('utf8');
  return formatValue(reply, '');
}
