/**
 * The console's command line, split as redis-cli splits it (sdssplitargs in redis's sds.c), so a
 * line copied from a redis-cli session or a tutorial means the same here.
 */

/** A line redis-cli would not accept: an unbalanced quote, or a closing quote followed by a non-space. */
export class CommandLineError extends Error {}

/** What ends an unquoted word; a closing quote accepts any C isspace() instead. */
const WORD_SEPARATORS = new Set([' ', '\n', '\r', '\t']);
const C_SPACES = new Set([' ', '\n', '\r', '\t', '\v', '\f']);
const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, a: 0x07 };
const HEX_DIGIT = /^[0-9a-f]$/i;

/** Bytes of one argument, appended character by character. */
class ArgumentBytes {
  private readonly bytes: number[] = [];

  addByte(byte: number): void {
    this.bytes.push(byte);
  }

  addText(text: string): void {
    for (const byte of Buffer.from(text, 'utf8')) this.bytes.push(byte);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

const isHexDigit = (char: string | undefined) => char !== undefined && HEX_DIGIT.test(char);
const isCSpace = (char: string | undefined) => char !== undefined && C_SPACES.has(char);

function unterminated(quote: string, column: number): CommandLineError {
  return new CommandLineError(`Unbalanced quotes: the ${quote} at column ${column} is never closed`);
}

function checkFollowsClosingQuote(chars: string[], closing: number): void {
  const next = chars[closing + 1];
  if (next !== undefined && !isCSpace(next)) {
    throw new CommandLineError(`The closing quote at column ${closing + 1} is followed by ${JSON.stringify(next)} at column ${closing + 2}, not by a space`);
  }
}

/** Reads a "double quoted" part whose opening quote is at `open`; returns the index of its closing quote. */
function readDoubleQuoted(chars: string[], open: number, argument: ArgumentBytes): number {
  for (let i = open + 1; i < chars.length; i++) {
    const char = chars[i]!;
    if (char === '"') {
      checkFollowsClosingQuote(chars, i);
      return i;
    }
    if (char !== '\\' || i + 1 === chars.length) {
      argument.addText(char);
    } else if (chars[i + 1] === 'x' && isHexDigit(chars[i + 2]) && isHexDigit(chars[i + 3])) {
      argument.addByte(Number.parseInt(chars[i + 2]! + chars[i + 3]!, 16));
      i += 3;
    } else {
      // Like sdssplitargs, an unknown escape (\" \\ \z, or \x without two hex digits) is the escaped character itself.
      const escaped = chars[i + 1]!;
      const byte = DOUBLE_QUOTE_ESCAPES[escaped];
      if (byte === undefined) argument.addText(escaped);
      else argument.addByte(byte);
      i += 1;
    }
  }
  throw unterminated('"', open + 1);
}

/** Reads a 'single quoted' part whose opening quote is at `open`; returns the index of its closing quote. */
function readSingleQuoted(chars: string[], open: number, argument: ArgumentBytes): number {
  for (let i = open + 1; i < chars.length; i++) {
    const char = chars[i]!;
    if (char === '\\' && chars[i + 1] === "'") {
      argument.addText("'");
      i += 1;
    } else if (char === "'") {
      checkFollowsClosingQuote(chars, i);
      return i;
    } else {
      argument.addText(char);
    }
  }
  throw unterminated("'", open + 1);
}

/**
 * Splits one line into arguments exactly as redis-cli does: words separated by white space;
 * "double quoted" with the escapes \n \r \t \b \a and \xHH (a raw byte), any other escaped
 * character standing for itself; 'single quoted' with only \' as escape. A quote may open in the
 * middle of a word (a"b c" is one argument), but a closing quote must be followed by white space
 * or the end of the line. Text is encoded as UTF-8. A blank line gives no arguments.
 */
export function parseCommandLine(line: string): Buffer[] {
  // Code points, so that columns in error messages count characters as the user sees them.
  const chars = Array.from(line);
  const args: Buffer[] = [];
  let i = 0;
  while (i < chars.length) {
    if (isCSpace(chars[i])) {
      i += 1;
      continue;
    }
    const argument = new ArgumentBytes();
    for (; i < chars.length && !WORD_SEPARATORS.has(chars[i]!); i++) {
      const char = chars[i]!;
      if (char === '"' || char === "'") {
        i = (char === '"' ? readDoubleQuoted : readSingleQuoted)(chars, i, argument) + 1;
        break;
      }
      argument.addText(char);
    }
    args.push(argument.toBuffer());
  }
  return args;
}

/** The arguments as text for display; bytes that are not UTF-8 show as U+FFFD. */
export function argumentsAsText(args: Buffer[]): string[] {
  return args.map((arg) => arg.toString('utf8'));
}
