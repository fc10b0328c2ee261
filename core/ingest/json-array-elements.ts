/**
 * Source text of the object elements of a JSON array, for text that JSON.parse has already
 * accepted. It lets a meter reading be stored byte for byte as the device sent it, and saves a
 * JSON.stringify per reading (~9 µs of ~50 in the ingest worker, measured with --cpu-prof).
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/** Index just past the string that opens at `quote`. */
function skipString(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i += 1;
    else if (code === QUOTE) return i + 1;
  }
  return text.length;
}

/** Index of the first character at or after `from` that is not JSON white space. */
export function nextNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i += 1;
  return i;
}

/** Where the value of `key` in the top-level object starts; the last occurrence, as JSON.parse keeps the last duplicate. -1 when absent. */
export function topLevelValueStart(text: string, key: string): number {
  const quotedKey = JSON.stringify(key);
  let depth = 0;
  let found = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = skipString(text, i);
      if (depth === 1 && text.slice(i, end) === quotedKey) {
        const colon = nextNonSpace(text, end);
        if (text.charCodeAt(colon) === COLON) found = nextNonSpace(text, colon + 1);
      }
      i = end - 1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth += 1;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth -= 1;
  }
  return found;
}

/** The text of each object element of the array that opens at `arrayStart`. */
export function arrayObjectTexts(text: string, arrayStart: number): string[] {
  const elements: string[] = [];
  let depth = 0;
  let elementStart = -1;
  for (let i = arrayStart; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = skipString(text, i) - 1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth === 2 && code === OPEN_BRACE) elementStart = i;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 1 && code === CLOSE_BRACE && elementStart >= 0) {
        elements.push(text.slice(elementStart, i + 1));
        elementStart = -1;
      }
      if (depth === 0) break;
    }
  }
  return elements;
}
