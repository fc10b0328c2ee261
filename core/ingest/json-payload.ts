import type { z } from 'zod';
import type { Rejection, RejectionReason } from '../domain/rejection.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function parseJsonPayload(payload: Buffer, maxBytes: number): ParseResult<unknown> {
  const decoded = decodeJsonPayload(payload, maxBytes);
  return decoded.ok ? { ok: true, value: decoded.value.value } : decoded;
}

/** The payload's text and its parsed value, for callers that also need the text. */
export function decodeJsonPayload(payload: Buffer, maxBytes: number): ParseResult<{ text: string; value: unknown }> {
  if (payload.length > maxBytes) {
    return reject('too-large', `payload is ${payload.length} bytes, the limit is ${maxBytes}`);
  }
  const text = payload.toString('utf8');
  try {
    return { ok: true, value: { text, value: JSON.parse(text) } };
  } catch (error) {
    return reject('not-json', (error as Error).message);
  }
}

/** The first schema issue as a rejection whose detail names the field, e.g. "readings.0.vRMSMin: …". */
export function rejectionFromIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schemaName: string): { ok: false; rejection: Rejection } {
  const issue = issues[0];
  if (!issue) return reject('invalid-value', `payload did not match the ${schemaName} schema`);
  const field = issue.path.join('.') || '(payload)';
  const reason = reasonFor(issue, input);
  return reject(reason, reason === 'missing-field' ? `${field}: required field is missing` : `${field}: ${issue.message}`);
}

function reasonFor(issue: z.core.$ZodIssue, input: unknown): RejectionReason {
  if (issue.code === 'invalid_union' && valueAt(input, issue.path) === undefined) return 'missing-field';
  if (issue.code === 'invalid_union' && issue.errors.every((branch) => branch.every((inner) => inner.code === 'invalid_type'))) {
    return 'wrong-type';
  }
  if (issue.code === 'invalid_type') {
    return valueAt(input, issue.path) === undefined ? 'missing-field' : 'wrong-type';
  }
  if (issue.code === 'too_big' || issue.code === 'too_small') return 'out-of-range';
  return 'invalid-value';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined), input);
}

export function reject(reason: RejectionReason, detail: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { reason, detail } };
}
