import { useId, useMemo, useRef, useState, type JSX, type KeyboardEvent } from 'react';
import type { KeySummary } from '../../../../core/api/keys.js';
import { formatInt } from '../../format.js';
import { allFolderPrefixes, buildKeyTree, flattenKeyTree, type KeyTreeRow } from './key-tree.js';

/** Every row is this tall, so the rows in view follow from the scroll position alone. */
export const ROW_HEIGHT = 28;
/** The tree's scroll box height (at most): about sixteen rows. */
export const VIEWPORT_HEIGHT = 448;
/** Rows rendered above and below the ones in view, so fast scrolling does not show blanks. */
export const OVERSCAN = 8;

/**
 * The keys found, grouped into folders on ':', windowed: only the rows in view (plus a margin) are
 * in the DOM, so tens of thousands of keys scroll smoothly. One tab stop; the arrow keys, Home and
 * End move, Right and Left open and close folders, Enter or Space opens a key.
 */
export function KeyTree({ keys, selected, onSelect }: { keys: readonly KeySummary[]; selected: string | null; onSelect: (key: string) => void }) {
  const tree = useMemo(() => buildKeyTree(keys), [keys]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => flattenKeyTree(tree, expanded), [tree, expanded]);
  const indexById = useMemo(() => new Map(rows.map((row, index) => [row.id, index])), [rows]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const boxRef = useRef<HTMLDivElement | null>(null);
  const idBase = useId();

  const activeIndex = rows.length === 0 ? -1 : Math.min(activeId === null ? 0 : (indexById.get(activeId) ?? 0), rows.length - 1);
  const height = Math.min(rows.length * ROW_HEIGHT, VIEWPORT_HEIGHT);
  const maxScroll = Math.max(0, rows.length * ROW_HEIGHT - height);
  const top = Math.min(scrollTop, maxScroll);
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  const rowId = (index: number) => `${idBase}-row-${index}`;

  const toggle = (prefix: string, open?: boolean) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (open ?? !next.has(prefix)) next.add(prefix);
      else next.delete(prefix);
      return next;
    });

  /** Makes a row the active one and scrolls it into view. */
  const activate = (index: number) => {
    const row = rows[index];
    if (!row) return;
    setActiveId(row.id);
    let nextTop = top;
    if (index * ROW_HEIGHT < nextTop) nextTop = index * ROW_HEIGHT;
    else if ((index + 1) * ROW_HEIGHT > nextTop + height) nextTop = (index + 1) * ROW_HEIGHT - height;
    if (nextTop !== top) {
      if (boxRef.current) boxRef.current.scrollTop = nextTop;
      setScrollTop(nextTop);
    }
  };

  const open = (row: KeyTreeRow) => {
    if (row.kind === 'folder') toggle(row.prefix);
    else onSelect(row.summary.key);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const row = rows[activeIndex];
    if (!row) return;
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    switch (event.key) {
      case 'ArrowDown':
        activate(Math.min(activeIndex + 1, rows.length - 1));
        break;
      case 'ArrowUp':
        activate(Math.max(activeIndex - 1, 0));
        break;
      case 'PageDown':
        activate(Math.min(activeIndex + page, rows.length - 1));
        break;
      case 'PageUp':
        activate(Math.max(activeIndex - page, 0));
        break;
      case 'Home':
        activate(0);
        break;
      case 'End':
        activate(rows.length - 1);
        break;
      case 'ArrowRight':
        if (row.kind !== 'folder') return;
        if (!row.expanded) toggle(row.prefix, true);
        else if (rows[activeIndex + 1]?.parent === activeIndex) activate(activeIndex + 1);
        break;
      case 'ArrowLeft':
        if (row.kind === 'folder' && row.expanded) toggle(row.prefix, false);
        else if (row.parent >= 0) activate(row.parent);
        else return;
        break;
      case 'Enter':
      case ' ':
        open(row);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  // The active row stays in the DOM even when scrolled away, so aria-activedescendant always points at something.
  const indices: number[] = [];
  if (activeIndex >= 0 && activeIndex < first) indices.push(activeIndex);
  for (let index = first; index < last; index += 1) indices.push(index);
  if (activeIndex >= last) indices.push(activeIndex);

  const visible: JSX.Element[] = [];
  for (const index of indices) {
    const row = rows[index]!;
    const isSelected = row.kind === 'key' && row.summary.key === selected;
    visible.push(
      <div
        key={row.id}
        id={rowId(index)}
        role="treeitem"
        aria-level={row.depth}
        aria-setsize={row.setSize}
        aria-posinset={row.posInSet}
        aria-expanded={row.kind === 'folder' ? row.expanded : undefined}
        aria-selected={row.kind === 'key' ? isSelected : undefined}
        className={`tree-row${index === activeIndex ? ' tree-row-active' : ''}${isSelected ? ' tree-row-selected' : ''}`}
        style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT, paddingLeft: `${0.4 + (row.depth - 1) * 1.1}rem` }}
        title={row.kind === 'folder' ? `${row.prefix}*` : row.summary.key}
        data-testid={row.kind === 'folder' ? 'key-folder' : 'key-row'}
        onClick={() => {
          setActiveId(row.id);
          open(row);
        }}
      >
        {row.kind === 'folder' ? (
          <>
            <span className="tree-twisty" aria-hidden="true">
              {row.expanded ? '▾' : '▸'}
            </span>
            <span className="tree-name">{row.name}:</span>
            <span className="tree-count" data-testid="folder-count">
              {formatInt(row.count)}
            </span>
          </>
        ) : (
          <>
            <span className="tree-twisty" aria-hidden="true" />
            <span className="tree-name">{row.name === '' ? <span className="muted">(empty)</span> : row.name}</span>
            <span className="badge badge-type">{row.summary.type}</span>
          </>
        )}
      </div>,
    );
  }

  return (
    <div className="key-tree">
      <div className="button-row key-tree-actions">
        <button type="button" className="button button-quiet" onClick={() => setExpanded(new Set(allFolderPrefixes(tree)))} disabled={tree.folders.length === 0}>
          Expand all
        </button>
        <button type="button" className="button button-quiet" onClick={() => setExpanded(new Set())} disabled={expanded.size === 0}>
          Collapse all
        </button>
        <span className="muted small">{formatInt(rows.length)} rows shown</span>
      </div>
      <div
        ref={boxRef}
        role="tree"
        aria-label="Keys found"
        tabIndex={0}
        aria-activedescendant={activeIndex >= 0 ? rowId(activeIndex) : undefined}
        className="tree-box"
        style={{ height }}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
        data-testid="key-tree"
      >
        <div className="tree-spacer" role="none" style={{ height: rows.length * ROW_HEIGHT }}>
          {visible}
        </div>
      </div>
    </div>
  );
}
