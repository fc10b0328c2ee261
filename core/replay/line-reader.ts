import { open } from 'node:fs/promises';

/** One line of a file: where it starts, and its text (null when it was longer than the limit). */
export interface FileLine {
  /** 1-based. */
  line: number;
  /** Byte offset of its first byte. */
  offset: number;
  /** Bytes without the newline. */
  bytes: number;
  /** Without the newline (and a CR before it); null: longer than maxLineBytes, not kept. */
  text: string | null;
}

export interface ReadLinesOptions {
  /** Byte offset to start at: the start of a line. */
  offset?: number;
  /** The number of the line at `offset`. */
  line?: number;
  maxLineBytes: number;
  /** Bytes read per step. */
  chunkBytes?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * The lines of a file, a chunk's worth at a time, holding at most one line of maxLineBytes in
 * memory besides the chunk: a longer line is counted through to its end and given without its text,
 * so one bad line neither fills memory nor stops the file. Blank lines are left out (their
 * numbers are not reused).
 */
export async function* readLines(path: string, { offset = 0, line = 1, maxLineBytes, chunkBytes = 256 * 1024 }: ReadLinesOptions): AsyncGenerator<FileLine[]> {
  const file = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let position = offset;
    let lineNumber = line;
    let lineStart = offset;
    /** The start of the current line, when it began in an earlier chunk. */
    let carried: Buffer[] = [];
    let carriedBytes = 0;
    let oversize = false;
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      const lines: FileLine[] = [];
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, start);
        if (newline === -1 || newline >= bytesRead) break;
        const length = carriedBytes + newline - start;
        if (oversize || length > maxLineBytes) {
          lines.push({ line: lineNumber, offset: lineStart, bytes: length, text: null });
        } else {
          const bytes = carriedBytes === 0 ? chunk.subarray(start, newline) : Buffer.concat([...carried, chunk.subarray(start, newline)]);
          const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
          const text = bytes.toString('utf8', 0, end);
          if (text.trim() !== '') lines.push({ line: lineNumber, offset: lineStart, bytes: length, text });
        }
        lineNumber += 1;
        lineStart = position + newline + 1;
        carried = [];
        carriedBytes = 0;
        oversize = false;
        start = newline + 1;
      }
      // The rest of the chunk starts a line that goes on in the next one.
      const rest = bytesRead - start;
      if (rest > 0) {
        if (!oversize && carriedBytes + rest <= maxLineBytes) carried.push(Buffer.from(chunk.subarray(start, bytesRead)));
        else {
          oversize = true;
          carried = [];
        }
        carriedBytes += rest;
      }
      position += bytesRead;
      if (lines.length > 0) yield lines;
    }
    // A last line without a newline.
    if (carriedBytes > 0) {
      if (oversize || carriedBytes > maxLineBytes) yield [{ line: lineNumber, offset: lineStart, bytes: carriedBytes, text: null }];
      else {
        const bytes = Buffer.concat(carried);
        const text = bytes.toString('utf8');
        if (text.trim() !== '') yield [{ line: lineNumber, offset: lineStart, bytes: carriedBytes, text: text.endsWith('\r') ? text.slice(0, -1) : text }];
      }
    }
  } finally {
    await file.close();
  }
}
