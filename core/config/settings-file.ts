import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * A JSON file in the data dir that the app writes and the user may edit by hand: validated when
 * read, with an error naming the file and the field, and never replaced because it was broken.
 */

/** The file's validated content, or null when there is no file yet. */
export async function readSettingsFile<Schema extends z.ZodType>(file: string, schema: Schema): Promise<z.output<Schema> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message}); fix or remove it`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}; fix or remove it`);
  }
  return parsed.data;
}

/** Written whole to a temporary file and renamed over the old one, so a crash leaves the old or the new file, never half of one. */
export async function writeSettingsFile(file: string, content: unknown, mode = 0o644): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(content, null, 2) + '\n', { mode });
  await rename(temporary, file);
}
