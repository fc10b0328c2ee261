import { z } from 'zod';

/** Query parameters: the client passes numbers, the server reads them back from the query string's text. */

export function wholeNumber(params?: { message: string }) {
  return z.coerce.number<number>(params).int(params);
}

/** How many items a page holds: 1 to `max`, `fallback` when not given. */
export function pageSize(max: number, fallback: number) {
  return wholeNumber().min(1).max(max).default(fallback);
}

/** A SCAN-family cursor: the decimal number the previous page returned, "0" to start. */
export function decimalCursor(message?: string) {
  return z.string().regex(/^\d+$/, message === undefined ? undefined : { message }).default('0');
}
