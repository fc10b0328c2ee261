import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Conflict } from '../domain/errors.js';
import type { Log } from './stack-parts.js';

/** <dataDir>/workbench.lock: which process owns the data dir, and since when. */
export const LOCK_FILE = 'workbench.lock';

const holderSchema = z.object({ pid: z.number().int().positive(), startedAt: z.string() });
type Holder = z.infer<typeof holderSchema>;

/** Data dirs this process holds: a second Stack in the same process is refused like a second process. */
const heldHere = new Set<string>();

export class DataDirInUseError extends Conflict {}

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * One workbench per data dir: two would run two redis-servers on one append-only file and write
 * the same config files. The lock file is written aside, then linked into place, which fails if
 * it exists: of two starts at once one wins, and the loser never reads a half-written lock. A lock whose process is gone (killed, crashed) is taken over; so is one naming this very
 * pid without this process holding it, which is what a container restarted with the same pid sees.
 */
export async function acquireDataDirLock(dataDir: string, log: Log): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, startedAt: new Date().toISOString() };
  while (!(await createExclusively(file, me))) {
    const holder = await readHolder(file);
    if (heldHere.has(file) || (holder !== null && holder.pid !== process.pid && isAlive(holder.pid))) {
      const { pid, startedAt } = holder ?? me;
      throw new DataDirInUseError(`the data dir ${dataDir} is in use by process ${pid} (running since ${startedAt}); stop it first or choose another --data-dir`);
    }
    log(holder ? `took over the lock of ${dataDir} from process ${holder.pid} (since ${holder.startedAt}), which is no longer running` : `took over the unreadable lock file ${file}`);
    await rm(file, { force: true });
  }
  heldHere.add(file);
  return {
    release: async () => {
      if (!heldHere.delete(file)) return;
      await rm(file, { force: true });
    },
  };
}

async function createExclusively(file: string, holder: Holder): Promise<boolean> {
  const draft = `${file}.${holder.pid}`;
  await writeFile(draft, `${JSON.stringify(holder)}\n`);
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
}

/** null for a file that is not a lock we wrote (cut short by a crash mid-write, say). */
async function readHolder(file: string): Promise<Holder | null> {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Signal 0 tests for the process; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
