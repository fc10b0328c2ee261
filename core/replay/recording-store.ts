import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { RecordingFile, RecordingState } from '../api/replay.js';
import { Conflict, InvalidInput, NotFound } from '../domain/errors.js';
import { RECORDING_NAME_PATTERN } from '../domain/replay.js';
import type { FileScan } from './file-source.js';

const EXTENSION = '.ndjson';
/** Next to each file, what is known about it (who made it, its messages and time span). */
const META_EXTENSION = '.meta.json';

interface FileMeta {
  origin: 'recording' | 'import';
  filter: string | null;
  dropped: number | null;
  messages: number | null;
  firstAt: number | null;
  lastAt: number | null;
}

/** Which files are in use now, so the list can say so and delete can refuse. */
export interface FilesInUse {
  recording: string | null;
  replaying: string | null;
}

/**
 * The recordings folder, `<dataDir>/recordings`: `<name>.ndjson` per recording or uploaded file,
 * with `<name>.meta.json` beside it. Names are checked against RECORDING_NAME_PATTERN before any
 * path is made of them, so no name reaches outside the folder.
 */
export class RecordingStore {
  constructor(readonly directory: string) {}

  async ensure(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  /** The file of `name`; InvalidInput for a name that is not one. */
  pathOf(name: string): string {
    if (!RECORDING_NAME_PATTERN.test(name)) throw new InvalidInput(`name: ${JSON.stringify(name)} is not a recording name`, 'name');
    return join(this.directory, `${name}${EXTENSION}`);
  }

  /** Newest first. */
  async list(inUse: FilesInUse): Promise<RecordingFile[]> {
    await this.ensure();
    const names = (await readdir(this.directory)).filter((file) => file.endsWith(EXTENSION)).map((file) => file.slice(0, -EXTENSION.length));
    const files = await Promise.all(names.filter((name) => RECORDING_NAME_PATTERN.test(name)).map((name) => this.describe(name, inUse).catch(() => null)));
    return files.filter((file) => file !== null).sort((a, b) => b.modifiedAt - a.modifiedAt || a.name.localeCompare(b.name));
  }

  async describe(name: string, inUse: FilesInUse): Promise<RecordingFile> {
    const path = this.pathOf(name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new NotFound(`no recording ${name}`);
    const meta = await this.readMeta(name);
    return {
      name,
      bytes: info.size,
      messages: meta?.messages ?? null,
      firstAt: meta?.firstAt ?? null,
      lastAt: meta?.lastAt ?? null,
      origin: meta?.origin ?? 'unknown',
      filter: meta?.filter ?? null,
      dropped: meta?.dropped ?? null,
      modifiedAt: info.mtimeMs,
      recording: inUse.recording === name,
      replaying: inUse.replaying === name,
    };
  }

  /** Refuses a name whose file exists: a recording never overwrites one. */
  async refuseExisting(name: string): Promise<string> {
    await this.ensure();
    const path = this.pathOf(name);
    if (await stat(path).then(() => true, () => false)) throw new Conflict(`a recording named ${name} exists already: choose another name or delete it`);
    return path;
  }

  /** What the recorder knew when it stopped. */
  async saveRecorded(state: RecordingState): Promise<void> {
    await this.writeMeta(state.name, { origin: 'recording', filter: state.filter, dropped: state.dropped, messages: state.messages, firstAt: state.firstAt, lastAt: state.lastAt });
  }

  /** What a replay's read of the whole file found; the origin stays what it was. */
  async saveScan(name: string, scan: FileScan): Promise<void> {
    const meta = await this.readMeta(name);
    await this.writeMeta(name, { origin: meta?.origin ?? 'import', filter: meta?.filter ?? null, dropped: meta?.dropped ?? null, ...scan });
  }

  async remove(name: string, inUse: FilesInUse): Promise<void> {
    const path = this.pathOf(name);
    if (inUse.recording === name) throw new Conflict(`${name} is being recorded: stop the recording first`);
    if (inUse.replaying === name) throw new Conflict(`${name} is being replayed: stop the replay first`);
    if (!(await stat(path).then((info) => info.isFile(), () => false))) throw new NotFound(`no recording ${name}`);
    await rm(path);
    await rm(this.metaPath(name), { force: true });
  }

  async open(name: string): Promise<{ stream: Readable; bytes: number }> {
    const path = this.pathOf(name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new NotFound(`no recording ${name}`);
    return { stream: createReadStream(path), bytes: info.size };
  }

  /**
   * An uploaded file (a recording from elsewhere, an events export), streamed to a temporary file
   * and renamed into place once complete, so a broken upload leaves nothing behind. Larger than
   * maxBytes: refused, and nothing kept.
   */
  async import(name: string, body: Readable, maxBytes: number): Promise<void> {
    const path = await this.refuseExisting(name);
    const temporary = join(this.directory, `.${name}.${randomBytes(4).toString('hex')}.upload`);
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > maxBytes) callback(new InvalidInput(`file: larger than ${maxBytes} bytes, the size cap of a recording (--record-max-bytes)`, 'file'));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, limit, createWriteStream(temporary, { flags: 'wx' }));
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await this.writeMeta(name, { origin: 'import', filter: null, dropped: null, messages: null, firstAt: null, lastAt: null });
  }

  private metaPath(name: string): string {
    return join(this.directory, `${name}${META_EXTENSION}`);
  }

  private async readMeta(name: string): Promise<FileMeta | null> {
    try {
      const parsed = JSON.parse(await readFile(this.metaPath(name), 'utf8')) as Partial<FileMeta>;
      return {
        origin: parsed.origin === 'recording' ? 'recording' : 'import',
        filter: typeof parsed.filter === 'string' ? parsed.filter : null,
        dropped: numberOrNull(parsed.dropped),
        messages: numberOrNull(parsed.messages),
        firstAt: numberOrNull(parsed.firstAt),
        lastAt: numberOrNull(parsed.lastAt),
      };
    } catch {
      return null;
    }
  }

  private async writeMeta(name: string, meta: FileMeta): Promise<void> {
    await writeFile(this.metaPath(name), `${JSON.stringify(meta)}\n`);
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
