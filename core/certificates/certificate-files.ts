import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** A certificate or key file that exists but cannot be used; the message starts with its path. */
export class CertificateFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The file's text, or null when it does not exist; any other read failure names the file. */
export async function readOptionalFile(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CertificateFileError(file, `cannot be read (${(error as Error).message})`);
  }
}

/** Runs a parse or check of a file's content, turning any failure into an error that names the file. */
export async function checkFile<T>(file: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof CertificateFileError) throw error;
    throw new CertificateFileError(file, (error as Error).message);
  }
}

export const PRIVATE_KEY_MODE = 0o600;
export const CERTIFICATE_MODE = 0o644;

/**
 * Writes through a temporary file and a rename, so a crash never leaves a half-written PEM that
 * the next start would have to refuse as broken. The mode is set at creation: a key is never
 * readable by others, not even for a moment.
 */
export async function writeFileAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
