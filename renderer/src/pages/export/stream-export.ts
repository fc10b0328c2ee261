import { ExportRowCounter, type ExportFormat, type ExportResponse } from '../../../../core/api/export.js';
import type { SaveTarget } from './save-target.js';

export interface ExportProgress {
  bytes: number;
  rows: number;
  /** The rows the server announced, when it knew before the first one. */
  total: number | null;
}

/**
 * Reads the answer chunk by chunk into the target, counting bytes and rows as they pass, and
 * closes the target under the server's file name at the end. On an error or abort the body is
 * cancelled and the error rethrown (an abort as the AbortError of the fetch's signal); the caller drops the target.
 */
export async function streamExport(response: ExportResponse, format: ExportFormat, target: SaveTarget, onProgress: (progress: ExportProgress) => void): Promise<ExportProgress> {
  const counter = new ExportRowCounter(format);
  const reader = response.body.getReader();
  const progress: ExportProgress = { bytes: 0, rows: 0, total: response.total };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await target.write(value);
      progress.bytes += value.byteLength;
      progress.rows = counter.add(value);
      onProgress({ ...progress });
    }
    progress.rows = counter.finish();
    await target.close(response.filename);
    return progress;
  } catch (failure) {
    await reader.cancel().catch(() => undefined);
    throw failure;
  }
}
