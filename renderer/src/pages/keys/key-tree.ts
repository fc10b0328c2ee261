import type { KeySummary } from '../../../../core/api/keys.js';

/** A folder of the key tree: every key whose name starts with `prefix` (which ends in ':'). */
export interface KeyFolder {
  prefix: string;
  /** The segment between the parent's prefix and this one's ':'. */
  name: string;
  /** Keys anywhere below this folder. */
  count: number;
  folders: KeyFolder[];
  keys: KeySummary[];
}

/** One visible row of the tree, in display order. */
export type KeyTreeRow =
  | {
      kind: 'folder';
      /** Stable across expand and collapse: "f:" + prefix. */
      id: string;
      prefix: string;
      name: string;
      count: number;
      expanded: boolean;
      /** 1 at the top, as aria-level counts. */
      depth: number;
      /** Index of the parent folder's row; -1 at the top. */
      parent: number;
      setSize: number;
      posInSet: number;
    }
  | {
      kind: 'key';
      id: string;
      summary: KeySummary;
      name: string;
      depth: number;
      parent: number;
      setSize: number;
      posInSet: number;
    };

interface Building {
  prefix: string;
  name: string;
  count: number;
  folders: Map<string, Building>;
  keys: KeySummary[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups keys into folders on ':' ("sensor:1:temp" sits in sensor: › 1:), folders first, each level sorted. */
export function buildKeyTree(keys: readonly KeySummary[]): KeyFolder {
  const root: Building = { prefix: '', name: '', count: 0, folders: new Map(), keys: [] };
  for (const summary of keys) {
    const parts = summary.key.split(':');
    let node = root;
    node.count += 1;
    for (let i = 0; i < parts.length - 1; i += 1) {
      const name = parts[i]!;
      let child = node.folders.get(name);
      if (!child) {
        child = { prefix: `${node.prefix}${name}:`, name, count: 0, folders: new Map(), keys: [] };
        node.folders.set(name, child);
      }
      child.count += 1;
      node = child;
    }
    node.keys.push(summary);
  }
  return finish(root);
}

function finish(node: Building): KeyFolder {
  return {
    prefix: node.prefix,
    name: node.name,
    count: node.count,
    folders: Array.from(node.folders.values())
      .sort((a, b) => byText(a.name, b.name))
      .map(finish),
    keys: node.keys.sort((a, b) => byText(a.key, b.key)),
  };
}

/** The rows shown with the folders in `expanded` (by prefix) open; closed folders hide what is below them. */
export function flattenKeyTree(root: KeyFolder, expanded: ReadonlySet<string>): KeyTreeRow[] {
  const rows: KeyTreeRow[] = [];
  const walk = (node: KeyFolder, depth: number, parent: number) => {
    const setSize = node.folders.length + node.keys.length;
    let posInSet = 0;
    for (const folder of node.folders) {
      posInSet += 1;
      const open = expanded.has(folder.prefix);
      const index = rows.length;
      rows.push({
        kind: 'folder',
        id: `f:${folder.prefix}`,
        prefix: folder.prefix,
        name: folder.name,
        count: folder.count,
        expanded: open,
        depth,
        parent,
        setSize,
        posInSet,
      });
      if (open) walk(folder, depth + 1, index);
    }
    for (const summary of node.keys) {
      posInSet += 1;
      rows.push({ kind: 'key', id: `k:${summary.key}`, summary, name: summary.key.slice(node.prefix.length), depth, parent, setSize, posInSet });
    }
  };
  walk(root, 1, -1);
  return rows;
}

/** Every folder's prefix, for "Expand all". */
export function allFolderPrefixes(root: KeyFolder): string[] {
  const prefixes: string[] = [];
  const walk = (node: KeyFolder) => {
    for (const folder of node.folders) {
      prefixes.push(folder.prefix);
      walk(folder);
    }
  };
  walk(root);
  return prefixes;
}
