import { EXPORT_CONTENT_TYPES, type ExportFormat } from '../../../../core/api/export.js';

/** Where an export's bytes go as they arrive; `close` names the file the server chose, `abort` keeps nothing. */
export interface SaveTarget {
  /** What the user is told the file became once it is closed. */
  readonly kind: 'file' | 'download';
  write(chunk: Uint8Array): Promise<void>;
  close(filename: string): Promise<void>;
  abort(): Promise<void>;
}

/** The File System Access API's save dialog (Chromium, Electron); lib.dom does not declare it, other browsers lack it. */
type SaveFilePicker = (options: { suggestedName: string; types: Array<{ description: string; accept: Record<string, string[]> }> }) => Promise<FileSystemFileHandle>;

/**
 * Asks where to save: the system's save dialog where the browser has one, so the file is written as
 * it arrives and never held in memory; otherwise (or when the dialog cannot open) a download of the
 * collected bytes. Resolves null when the user closes the dialog without choosing. Must be called
 * straight from the click: the dialog needs the user's gesture.
 */
export async function chooseSaveTarget(suggestedName: string, format: ExportFormat, host: object = window): Promise<SaveTarget | null> {
  const picker = (host as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  if (typeof picker !== 'function') return downloadTarget(format);
  let handle: FileSystemFileHandle;
  try {
    handle = await picker.call(host, { suggestedName, types: [{ description: format.toUpperCase(), accept: { [mimeType(format)]: [`.${format}`] } }] });
  } catch (failure) {
    if ((failure as Error).name === 'AbortError') return null;
    // No gesture left, a sandbox without the API's permission: the download still works.
    return downloadTarget(format);
  }
  return fileTarget(await handle.createWritable());
}

function fileTarget(writable: FileSystemWritableFileStream): SaveTarget {
  return {
    kind: 'file',
    write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
    close: () => writable.close(),
    // The browser writes to a temporary file and drops it on abort: a cancelled export leaves no half file.
    abort: () => writable.abort(),
  };
}

const BLOB_URL_LIFETIME_MS = 40_000;

/** Collects the bytes and hands them to the browser's download as one Blob under the server's file name. */
function downloadTarget(format: ExportFormat): SaveTarget {
  let chunks: Uint8Array<ArrayBuffer>[] = [];
  return {
    kind: 'download',
    write: async (chunk) => {
      chunks.push(chunk as Uint8Array<ArrayBuffer>);
    },
    close: async (filename) => {
      const url = URL.createObjectURL(new Blob(chunks, { type: EXPORT_CONTENT_TYPES[format] }));
      chunks = [];
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = filename;
      anchor.click();
      // Revoked at once, a large download may not have started reading it yet (FileSaver.js waits 40 s too).
      setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MS);
    },
    abort: async () => {
      chunks = [];
    },
  };
}

function mimeType(format: ExportFormat): string {
  return EXPORT_CONTENT_TYPES[format].split(';')[0]!;
}
