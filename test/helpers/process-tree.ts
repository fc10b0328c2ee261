import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
}

/** Linux /proc/<pid>/stat; the command name may hold spaces and parentheses, the fields after its last ')' do not. */
function readEntry(pid: number): ProcessEntry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(ppid), pgrp: Number(pgrp), state: state! };
  } catch {
    return null; // gone between the listing and the read
  }
}

function processTable(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readEntry(Number(name)))
    .filter((entry) => entry !== null);
}

/** The process and everything it started, their children and so on (a redis-server in its own session included). */
export function processTree(pid: number): number[] {
  const table = processTable();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...table.filter((entry) => entry.ppid === tree[i]).map((entry) => entry.pid));
  return tree;
}

/** Alive and not a zombie: a zombie holds no port and no file, it only waits for its parent to read its exit status. */
export function isRunning(pid: number): boolean {
  const entry = readEntry(pid);
  return entry !== null && entry.state !== 'Z';
}
