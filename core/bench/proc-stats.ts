import { readFileSync } from 'node:fs';

/**
 * Per-thread CPU, the open-file limit and another process's memory, read from /proc: Node 20 has no per-thread CPU call
 * (process.cpuUsage counts every thread, the ingest worker's too). Linux only; null elsewhere.
 */

/** /proc reports CPU time in USER_HZ ticks, 100 a second on every Linux a workbench runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the main thread has used: the broker's thread, where TLS is decrypted too. */
export function mainThreadCpuSeconds(): number | null {
  const stat = readProcFile(`/proc/self/task/${process.pid}/stat`);
  return stat === null ? null : statCpuSeconds(stat);
}

/** CPU seconds (user + system, every thread) process `pid` has used, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** The soft limit on open files, each connection taking one; null where /proc is not there or it is unlimited. */
export function openFileLimit(): number | null {
  const limits = readProcFile('/proc/self/limits');
  return limits === null ? null : parseOpenFileLimit(limits);
}

/**
 * utime and stime, fields 14 and 15 of a /proc stat line. Counted from after the last ')': the
 * second field is the thread's name in parentheses, which may itself hold spaces and parentheses.
 */
export function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  if (!Number.isFinite(ticks)) throw new Error(`not a /proc stat line: ${stat.slice(0, 80)}`);
  return ticks / TICKS_PER_SECOND;
}

/** The soft limit from a /proc limits table's "Max open files" row. */
export function parseOpenFileLimit(limits: string): number | null {
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

/** Resident and peak resident bytes (VmRSS, VmHWM) of process `pid`; null where /proc is not there or the process is gone. */
export function residentBytes(pid: number): { rss: number; peak: number } | null {
  const status = readProcFile(`/proc/${pid}/status`);
  return status === null ? null : parseResidentBytes(status);
}

/** VmRSS and VmHWM of a /proc status table, given there in kB (KiB). */
export function parseResidentBytes(status: string): { rss: number; peak: number } {
  const kib = (field: string) => {
    const value = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
    if (value === undefined) throw new Error(`no ${field} in the /proc status table`);
    return Number(value) * 1024;
  };
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

function readProcFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
