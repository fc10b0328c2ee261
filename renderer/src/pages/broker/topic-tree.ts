import type { BrokerTopicView } from '../../../../core/api/broker.js';

/** One level of the topic tree: a topic itself, a level above topics, or both (`a` and `a/b`). */
export interface TopicNode {
  /** The topic up to and including this level. */
  path: string;
  /** This level's name; '' for an empty level (`a//b`, `/a`). */
  name: string;
  /** The traffic of `path` itself, when something was published to it. */
  own: BrokerTopicView | null;
  children: TopicNode[];
  /** Totals over this topic and every topic below it. */
  messages: number;
  ratePerSecond: number;
  lastAt: number;
  /** Per-second counts over the subtree, oldest first. */
  recent: number[];
}

export interface TopicRow {
  node: TopicNode;
  depth: number;
}

/** The topics as a tree split at `/`, children in topic order, with totals per subtree. */
export function buildTopicTree(topics: readonly BrokerTopicView[]): TopicNode[] {
  const roots: TopicNode[] = [];
  const nodes = new Map<string, TopicNode>();
  for (const topic of topics) {
    let siblings = roots;
    let node: TopicNode | null = null;
    for (const level of topic.topic.split('/')) {
      const path: string = node === null ? level : `${node.path}/${level}`;
      node = nodes.get(path) ?? addNode(nodes, siblings, path, level);
      siblings = node.children;
    }
    node!.own = topic;
  }
  for (const root of roots) addTotals(root);
  sortTree(roots);
  return roots;
}

/** The rows to show: every node whose ancestors are all expanded, depth first. */
export function visibleRows(roots: readonly TopicNode[], collapsed: ReadonlySet<string>): TopicRow[] {
  const rows: TopicRow[] = [];
  const visit = (node: TopicNode, depth: number) => {
    rows.push({ node, depth });
    if (collapsed.has(node.path)) return;
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return rows;
}

function addNode(nodes: Map<string, TopicNode>, siblings: TopicNode[], path: string, name: string): TopicNode {
  const node: TopicNode = { path, name, own: null, children: [], messages: 0, ratePerSecond: 0, lastAt: 0, recent: [] };
  nodes.set(path, node);
  siblings.push(node);
  return node;
}

function addTotals(node: TopicNode): void {
  const own = node.own;
  node.messages = own?.messages ?? 0;
  node.ratePerSecond = own?.ratePerSecond ?? 0;
  node.lastAt = own?.lastAt ?? 0;
  node.recent = own ? [...own.recent] : [];
  for (const child of node.children) {
    addTotals(child);
    node.messages += child.messages;
    node.ratePerSecond += child.ratePerSecond;
    node.lastAt = Math.max(node.lastAt, child.lastAt);
    node.recent = addCounts(node.recent, child.recent);
  }
}

function addCounts(a: number[], b: number[]): number[] {
  if (a.length === 0) return [...b];
  return a.map((count, index) => count + (b[index] ?? 0));
}

/** By level name, so `a/b` sits under `a` whatever characters sort between them. */
function sortTree(nodes: TopicNode[]): void {
  nodes.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const node of nodes) sortTree(node.children);
}
