// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { KeyDetail, KeyPage, KeySummary } from '../../core/api/keys.js';
import { OVERSCAN, ROW_HEIGHT, VIEWPORT_HEIGHT } from '../../renderer/src/pages/keys/KeyTree.js';
import { fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

const fmt = (n: number) => new Intl.NumberFormat().format(n);

function keyPage(keys: Array<string | KeySummary>, overrides: Partial<KeyPage> = {}): KeyPage {
  return {
    keys: keys.map((key) => (typeof key === 'string' ? { key, type: 'string' } : key)),
    cursor: '0',
    examined: 100,
    command: 'SCAN 0 MATCH * COUNT 100',
    totalKeys: 1000,
    ...overrides,
  };
}

/** Renders the Keys page with one scan's answer and presses Scan. */
async function scanned(keys: Array<string | KeySummary>, overrides: Record<string, unknown> = {}) {
  const user = userEvent.setup();
  const fake = fakeClient({ keys: vi.fn(async () => keyPage(keys)), ...overrides });
  renderApp(fake, 'keys');
  await user.click(screen.getByRole('button', { name: 'Scan' }));
  const tree = await screen.findByRole('tree', { name: 'Keys found' });
  return { user, fake, tree };
}

const rowNames = (tree: HTMLElement) => within(tree).queryAllByRole('treeitem').map((row) => row.getAttribute('title'));

describe('Keys page', () => {
  it('scans with the MATCH pattern and type filter and shows what the walk covered', async () => {
    const user = userEvent.setup();
    const keys = vi.fn(async () => keyPage([{ key: 'sensor:1', type: 'hash' }], { cursor: '0', examined: 4200, totalKeys: 4321, command: 'SCAN 0 MATCH sensor:* COUNT 100 TYPE hash' }));
    const fake = fakeClient({ keys });
    renderApp(fake, 'keys');
    expect(screen.getByTestId('keys-empty')).toBeTruthy();

    const match = screen.getByLabelText('Match');
    expect(match).toHaveProperty('value', '*');
    await user.clear(match);
    await user.type(match, 'sensor:*');
    await user.selectOptions(screen.getByLabelText('Type'), 'hash');
    await user.click(screen.getByRole('button', { name: 'Scan' }));

    expect(keys).toHaveBeenCalledWith({ cursor: '0', match: 'sensor:*', type: 'hash' });
    const summary = await screen.findByTestId('scan-summary');
    expect(summary.textContent).toContain(`1 keys found, ${fmt(4200)} examined, of ${fmt(4321)} total`);
    expect(screen.getByText('SCAN 0 MATCH sensor:* COUNT 100 TYPE hash')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Scan more' })).toHaveProperty('disabled', true);

    // "any" sends no type.
    await user.selectOptions(screen.getByLabelText('Type'), 'any');
    await user.click(screen.getByRole('button', { name: 'Scan' }));
    expect(keys).toHaveBeenLastCalledWith({ cursor: '0', match: 'sensor:*' });
  });

  it('says when nothing matched', async () => {
    const user = userEvent.setup();
    renderApp(fakeClient(), 'keys');
    await user.click(screen.getByRole('button', { name: 'Scan' }));
    expect((await screen.findByTestId('keys-none')).textContent).toContain('No keys matching * found.');
  });

  it('Scan more passes the cursor and the first scan’s parameters, and appends the keys', async () => {
    const user = userEvent.setup();
    const keys = vi
      .fn()
      .mockResolvedValueOnce(keyPage(['a', 'b'], { cursor: '42', examined: 100 }))
      .mockResolvedValueOnce(keyPage(['b', 'c'], { cursor: '0', examined: 150, command: 'SCAN 42 MATCH * COUNT 100 TYPE string' }));
    const fake = fakeClient({ keys });
    renderApp(fake, 'keys');
    await user.selectOptions(screen.getByLabelText('Type'), 'string');
    await user.click(screen.getByRole('button', { name: 'Scan' }));
    const tree = await screen.findByRole('tree');
    expect(rowNames(tree)).toEqual(['a', 'b']);
    expect(screen.getByTestId('scan-summary').textContent).toContain('2 keys found, 100 examined');

    // Editing the form does not change the walk Scan more continues.
    await user.type(screen.getByLabelText('Match'), 'x');
    const more = screen.getByRole('button', { name: 'Scan more' });
    expect(more).toHaveProperty('disabled', false);
    await user.click(more);
    expect(keys).toHaveBeenLastCalledWith({ cursor: '42', match: '*', type: 'string' });
    await waitFor(() => expect(rowNames(tree)).toEqual(['a', 'b', 'c']));
    expect(screen.getByTestId('scan-summary').textContent).toContain(`3 keys found, 250 examined, of ${fmt(1000)} total`);
    expect(screen.getByText('SCAN 42 MATCH * COUNT 100 TYPE string')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Scan more' })).toHaveProperty('disabled', true);
  });

  it('groups keys into folders on ":" with counts, and expands and collapses them by mouse and keyboard', async () => {
    const { user, tree } = await scanned(['sensor:1', 'sensor:2', 'sensor:3:temp', 'climate:hot', 'solo']);
    const folder = (name: string) => within(tree).getByTitle(`${name}*`);

    expect(rowNames(tree)).toEqual(['climate:*', 'sensor:*', 'solo']);
    expect(within(folder('sensor:')).getByTestId('folder-count').textContent).toBe('3');
    expect(within(folder('climate:')).getByTestId('folder-count').textContent).toBe('1');
    expect(folder('sensor:').getAttribute('aria-expanded')).toBe('false');

    await user.click(folder('sensor:'));
    expect(folder('sensor:').getAttribute('aria-expanded')).toBe('true');
    expect(rowNames(tree)).toEqual(['climate:*', 'sensor:*', 'sensor:3:*', 'sensor:1', 'sensor:2', 'solo']);
    expect(within(folder('sensor:3:')).getByTestId('folder-count').textContent).toBe('1');
    expect(within(tree).getByTitle('sensor:1').getAttribute('aria-level')).toBe('2');

    await user.click(folder('sensor:'));
    expect(rowNames(tree)).toEqual(['climate:*', 'sensor:*', 'solo']);

    // Keyboard: the tree is one tab stop; Down moves, Right opens, Left closes.
    tree.focus();
    await user.keyboard('{Home}{ArrowDown}{ArrowRight}');
    expect(folder('sensor:').getAttribute('aria-expanded')).toBe('true');
    await user.keyboard('{ArrowRight}');
    expect(tree.getAttribute('aria-activedescendant')).toBe(folder('sensor:3:').id);
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(folder('sensor:').getAttribute('aria-expanded')).toBe('false');

    await user.click(screen.getByRole('button', { name: 'Expand all' }));
    expect(rowNames(tree)).toHaveLength(8);
    await user.click(screen.getByRole('button', { name: 'Collapse all' }));
    expect(rowNames(tree)).toHaveLength(3);
  });

  it('keeps only the rows in view (plus a margin) in the DOM with 10,000 keys', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `item-${String(i).padStart(5, '0')}`);
    const { user, tree } = await scanned(many);
    const bound = Math.ceil(VIEWPORT_HEIGHT / ROW_HEIGHT) + 2 * OVERSCAN + 2;

    let rows = within(tree).getAllByRole('treeitem');
    expect(rows.length).toBeLessThanOrEqual(bound);
    expect(rows[0]!.getAttribute('title')).toBe('item-00000');
    expect((tree.firstElementChild as HTMLElement).style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
    expect(screen.getByTestId('scan-summary').textContent).toContain(`${fmt(10_000)} keys found`);

    fireEvent.scroll(tree, { target: { scrollTop: 5000 * ROW_HEIGHT } });
    rows = within(tree).getAllByRole('treeitem');
    expect(rows.length).toBeLessThanOrEqual(bound + 1); // + the active row, kept for aria-activedescendant
    expect(within(tree).getByTitle('item-05000').style.top).toBe(`${5000 * ROW_HEIGHT}px`);
    expect(within(tree).queryByTitle('item-00100')).toBeNull();

    tree.focus();
    await user.keyboard('{End}');
    const last = within(tree).getByTitle('item-09999');
    expect(tree.getAttribute('aria-activedescendant')).toBe(last.id);
    expect(within(tree).getAllByRole('treeitem').length).toBeLessThanOrEqual(bound + 1);
  });

  it('shows a hash key’s type, TTL, memory, command and fields, and Next page passes `next` as the offset', async () => {
    const first: KeyDetail = {
      type: 'hash',
      key: 'sensor:1',
      ttlMs: 90_000,
      memoryBytes: 2048,
      command: 'HSCAN sensor:1 0 COUNT 100',
      next: '17',
      fields: [
        { field: 'temperature', value: '21.5' },
        { field: '__proto__', value: 'kept' },
      ],
      length: 150,
    };
    const second: KeyDetail = { ...first, command: 'HSCAN sensor:1 17 COUNT 100', next: null, fields: [{ field: 'humidity', value: '40' }] };
    const keyDetail = vi.fn().mockResolvedValueOnce(first).mockResolvedValueOnce(second);
    const { user, tree } = await scanned([{ key: 'sensor:1', type: 'hash' }], { keyDetail });
    await user.click(within(tree).getByTitle('sensor:*'));
    await user.click(within(tree).getByTitle('sensor:1'));

    expect(keyDetail).toHaveBeenCalledWith('sensor:1', {});
    const panel = await screen.findByTestId('key-detail');
    await waitFor(() => expect(within(panel).getByTestId('key-type').textContent).toBe('hash'));
    expect(within(tree).getByTitle('sensor:1').getAttribute('aria-selected')).toBe('true');
    expect(within(panel).getByTestId('key-ttl').textContent).toBe('1 min 30 s');
    expect(within(panel).getByTestId('key-memory').textContent).toBe('2 KiB');
    expect(within(panel).getByTestId('key-length').textContent).toBe('150 fields');
    expect(within(panel).getByText('HSCAN sensor:1 0 COUNT 100')).toBeTruthy();
    const table = within(panel).getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Field', 'Value']);
    expect(within(table).getAllByRole('row').slice(1).map((row) => row.textContent)).toEqual(['temperature21.5', '__proto__kept']);

    await user.click(within(panel).getByRole('button', { name: 'Next page' }));
    expect(keyDetail).toHaveBeenLastCalledWith('sensor:1', { offset: '17' });
    await waitFor(() => expect(within(panel).getByRole('table').textContent).toContain('humidity40'));
    expect(within(panel).queryByRole('button', { name: 'Next page' })).toBeNull();
    await user.click(within(panel).getByRole('button', { name: 'First page' }));
    expect(keyDetail).toHaveBeenLastCalledWith('sensor:1', {});
  });

  it('shows a string’s text with a truncated note, and Load more appends the next part', async () => {
    const first: KeyDetail = { type: 'string', key: 'blob', ttlMs: null, memoryBytes: null, command: 'GETRANGE blob 0 4095', next: '4096', value: 'hello ', length: 5000, truncated: true };
    const second: KeyDetail = { ...first, command: 'GETRANGE blob 4096 8191', next: null, value: 'world', truncated: true };
    const keyDetail = vi.fn().mockResolvedValueOnce(first).mockResolvedValueOnce(second);
    const { user, tree } = await scanned(['blob'], { keyDetail });
    await user.click(within(tree).getByTitle('blob'));

    const panel = await screen.findByTestId('key-detail');
    await waitFor(() => expect(within(panel).getByTestId('string-value').textContent).toBe('hello '));
    expect(within(panel).getByTestId('key-ttl').textContent).toBe('no expiry');
    expect(within(panel).getByTestId('key-memory').textContent).toBe('not available');
    expect(within(panel).getByTestId('string-truncated').textContent).toContain('Truncated');
    await user.click(within(panel).getByRole('button', { name: 'Load more' }));
    expect(keyDetail).toHaveBeenLastCalledWith('blob', { offset: '4096' });
    await waitFor(() => expect(within(panel).getByTestId('string-value').textContent).toBe('hello world'));
    expect(within(panel).queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('Load all reads the rest of a truncated string in one request', async () => {
    const first: KeyDetail = { type: 'string', key: 'blob', ttlMs: null, memoryBytes: null, command: 'GETRANGE blob 0 99', next: '100', value: 'a'.repeat(100), length: 250_000, truncated: true };
    const rest: KeyDetail = { ...first, command: 'GETRANGE blob 100 249999', next: null, value: 'b'.repeat(249_900), truncated: true };
    const keyDetail = vi.fn().mockResolvedValueOnce(first).mockResolvedValueOnce(rest);
    const { user, tree } = await scanned(['blob'], { keyDetail });
    await user.click(within(tree).getByTitle('blob'));
    const panel = await screen.findByTestId('key-detail');
    await user.click(await within(panel).findByRole('button', { name: 'Load all' }));
    expect(keyDetail).toHaveBeenLastCalledWith('blob', { offset: '100', limit: 249_900 });
    await waitFor(() => expect(within(panel).getByTestId('string-value').textContent).toHaveLength(250_000));
    expect(within(panel).queryByRole('button', { name: 'Load all' })).toBeNull();
  });

  it('Load all appends a list\'s pages of 1,000 until the end, showing progress', async () => {
    const page = (start: number, count: number, next: string | null): KeyDetail => ({
      type: 'list',
      key: 'queue',
      ttlMs: null,
      memoryBytes: 1000,
      command: `LRANGE queue ${start} ${start + count - 1}`,
      next,
      elements: Array.from({ length: count }, (_, i) => `job-${start + i}`),
      offset: start,
      length: 2100,
    });
    const keyDetail = vi
      .fn()
      .mockResolvedValueOnce(page(0, 100, '100'))
      .mockResolvedValueOnce(page(100, 1000, '1100'))
      .mockResolvedValueOnce(page(1100, 1000, null));
    const { user, tree } = await scanned([{ key: 'queue', type: 'list' }], { keyDetail });
    await user.click(within(tree).getByTitle('queue'));
    const panel = await screen.findByTestId('key-detail');
    await user.click(await within(panel).findByRole('button', { name: 'Load all' }));
    await waitFor(() => expect(within(panel).getAllByRole('row')).toHaveLength(2100 + 1));
    expect(keyDetail).toHaveBeenNthCalledWith(2, 'queue', { offset: '100', limit: 1000 });
    expect(keyDetail).toHaveBeenNthCalledWith(3, 'queue', { offset: '1100', limit: 1000 });
    expect(within(panel).getByText('job-2099')).toBeTruthy();
    expect(within(panel).queryByRole('button', { name: 'Load all' })).toBeNull();
    expect(within(panel).queryByRole('button', { name: 'Next page' })).toBeNull();
  });

  it('shows stream entries with their fields, and pages on by entry id', async () => {
    const first: KeyDetail = {
      type: 'stream',
      key: 'events',
      ttlMs: null,
      memoryBytes: 512,
      command: 'XRANGE events - + COUNT 100',
      next: '1700000000001-1',
      entries: [{ id: '1700000000000-0', fields: [{ field: 'deviceId', value: '7' }, { field: 'deviceId', value: '8' }] }],
      length: 2,
    };
    const keyDetail = vi.fn().mockResolvedValueOnce(first).mockResolvedValueOnce({ ...first, next: null, entries: [{ id: '1700000000001-1', fields: [] }] });
    const { user, tree } = await scanned([{ key: 'events', type: 'stream' }], { keyDetail });
    await user.click(within(tree).getByTitle('events'));
    const panel = await screen.findByTestId('key-detail');
    const table = await within(panel).findByRole('table');
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Entry ID', 'Fields']);
    expect(within(table).getByRole('rowheader').textContent).toBe('1700000000000-0');
    expect(within(table).getAllByRole('term').map((dt) => dt.textContent)).toEqual(['deviceId', 'deviceId']);
    expect(within(panel).getByTestId('key-length').textContent).toBe('2 entries');
    await user.click(within(panel).getByRole('button', { name: 'Next page' }));
    expect(keyDetail).toHaveBeenLastCalledWith('events', { offset: '1700000000001-1' });
    await waitFor(() => expect(within(panel).getByRole('rowheader').textContent).toBe('1700000000001-1'));
  });

  it('says clearly when the selected key no longer exists', async () => {
    const { user, tree } = await scanned(['gone']);
    await user.click(within(tree).getByTitle('gone'));
    const missing = await screen.findByTestId('key-missing');
    expect(missing.textContent).toContain('This key does not exist');
    expect(missing.textContent).toContain('gone');
    expect(screen.queryByTestId('key-type')).toBeNull();
  });

  it('opens a key with Enter from the keyboard', async () => {
    const keyDetail = vi.fn(async (key: string): Promise<KeyDetail> => ({ type: 'list', key, ttlMs: 500, memoryBytes: 100, command: `LRANGE ${key} 0 99`, next: null, elements: ['x', 'y'], offset: 0, length: 2 }));
    const { user, tree } = await scanned(['a', 'b'], { keyDetail });
    tree.focus();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(keyDetail).toHaveBeenCalledWith('b', {});
    const table = await within(await screen.findByTestId('key-detail')).findByRole('table');
    expect(within(table).getAllByRole('rowheader').map((th) => th.textContent)).toEqual(['0', '1']);
    expect(screen.getByTestId('key-ttl').textContent).toBe('500 ms');
  });
});
