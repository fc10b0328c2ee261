// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '../../core/api/api-error.js';
import type { ExportResponse } from '../../core/api/export.js';
import type { KeyPage } from '../../core/api/keys.js';
import { PROGRESS_AFTER_MS } from '../../renderer/src/pages/export/ExportControl.js';
import { exportResponse, fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

/** What the browser was asked to download: jsdom has no object URLs and does not follow the anchor. */
const downloads: Array<{ name: string; text: Promise<string> }> = [];
const blobs = new Map<string, Blob>();
beforeEach(() => {
  downloads.length = 0;
  blobs.clear();
  URL.createObjectURL = vi.fn((blob: Blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ name: this.download, text: blobs.get(this.href)!.text() });
  });
});
afterEach(() => {
  Reflect.deleteProperty(URL, 'createObjectURL');
  Reflect.deleteProperty(URL, 'revokeObjectURL');
  Reflect.deleteProperty(window, 'showSaveFilePicker');
});

const CSV = ['deviceId,score,temperature\r\n', '2817,1767236645000,91\r\n42,1767236646000,"7\r\n5"\r\n', '7,1767236647000,60\r\n'];

const exportGroup = (name: string) => screen.getByRole('group', { name });

describe('Export control', () => {
  it('exports the Events page’s time range in the chosen format and downloads the server’s file', async () => {
    const user = userEvent.setup();
    const exportFile = vi.fn(async () => exportResponse('events-1767236645000-1767236705999.ndjson', ['{"deviceId":"2817"}\n', '{"deviceId":"42"}\n']));
    const fake = fakeClient({ exportFile });
    renderApp(fake, 'events');

    const form = screen.getByRole('form', { name: 'Time range query' });
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-01-01T03:04:05' } });
    fireEvent.change(within(form).getByLabelText('To'), { target: { value: '2026-01-01T03:05:05' } });
    const group = exportGroup('Export every entry in the time range');
    await user.selectOptions(within(group).getByLabelText('Format'), 'NDJSON');
    await user.click(within(group).getByRole('button', { name: 'Export' }));

    const saved = await within(group).findByTestId('export-saved');
    expect(exportFile).toHaveBeenCalledWith(
      'events',
      { format: 'ndjson', from: new Date('2026-01-01T03:04:05').getTime(), to: new Date('2026-01-01T03:05:05').getTime() + 999 },
      expect.any(AbortSignal),
    );
    expect(saved.textContent).toBe('Downloaded events-1767236645000-1767236705999.ndjson: 2 rows, 38 B.');
    expect(downloads.map((download) => download.name)).toEqual(['events-1767236645000-1767236705999.ndjson']);
    await expect(downloads[0]!.text).resolves.toBe('{"deviceId":"2817"}\n{"deviceId":"42"}\n');
  });

  it('passes the query each page shows: the Keys page’s scan, the Broker page’s prefix', async () => {
    const user = userEvent.setup();
    const keyPage: KeyPage = { keys: [{ key: 'sensor:1', type: 'hash' }], cursor: '0', examined: 1, command: 'SCAN 0 MATCH sensor:* TYPE hash', totalKeys: 1 };
    const fake = fakeClient({ keys: vi.fn(async () => keyPage) });
    const { unmount } = renderApp(fake, 'keys');
    await user.clear(screen.getByLabelText('Match'));
    await user.type(screen.getByLabelText('Match'), 'sensor:*');
    await user.selectOptions(screen.getByLabelText('Type'), 'hash');
    await user.click(screen.getByRole('button', { name: 'Scan' }));
    await screen.findByTestId('scan-summary');
    // Typed after the scan but not run: the export is of the scan on screen.
    await user.type(screen.getByLabelText('Match'), 'x');
    const keys = exportGroup('Export every key the scan finds');
    await user.selectOptions(within(keys).getByLabelText('Format'), 'JSON');
    await user.click(within(keys).getByRole('button', { name: 'Export' }));
    await within(keys).findByTestId('export-saved');
    expect(fake.client.exportFile).toHaveBeenLastCalledWith('keys', { format: 'json', match: 'sensor:*', type: 'hash' }, expect.any(AbortSignal));
    unmount();

    renderApp(fake, 'broker');
    await user.type(screen.getByLabelText('Topic prefix'), 'meters/');
    const topics = exportGroup('Export every topic starting with meters/');
    await user.click(within(topics).getByRole('button', { name: 'Export' }));
    await within(topics).findByTestId('export-saved');
    expect(fake.client.exportFile).toHaveBeenLastCalledWith('broker-topics', { format: 'csv', prefix: 'meters/' }, expect.any(AbortSignal));
  });

  it('shows rows of the announced total after a second, and Cancel aborts the request and saves nothing', async () => {
    const user = userEvent.setup();
    const signals: AbortSignal[] = [];
    const exportFile = vi.fn(async (_view: string, _request: unknown, signal: AbortSignal) => {
      signals.push(signal);
      return exportResponse('rejected.csv', CSV.slice(0, 2), 10, signal);
    });
    renderApp(fakeClient({ exportFile }), 'rejected');
    const group = exportGroup('Export every dead letter');
    await user.click(within(group).getByRole('button', { name: 'Export' }));
    expect(within(group).getByRole('button', { name: 'Exporting…' })).toHaveProperty('disabled', true);
    expect(within(group).queryByRole('progressbar')).toBeNull();

    const bar = await within(group).findByRole('progressbar', { name: 'Export progress' }, { timeout: PROGRESS_AFTER_MS + 1000 });
    // The quoted CRLF inside "7\r\n5" is part of a cell, not a row's end.
    expect(bar.getAttribute('aria-valuetext')).toBe('2 of 10 rows · 76 B');
    expect(bar.getAttribute('aria-valuenow')).toBe('2');
    expect((bar.firstElementChild as HTMLElement).style.width).toBe('20%');

    await user.click(within(group).getByRole('button', { name: 'Cancel' }));
    await within(group).findByText('Export cancelled; nothing was saved.');
    expect(signals[0]!.aborted).toBe(true);
    expect(downloads).toEqual([]);
    expect(within(group).getByRole('button', { name: 'Export' })).toHaveProperty('disabled', false);
  });

  it('shows bytes and rows so far under a moving bar when the server announces no total', async () => {
    const user = userEvent.setup();
    const exportFile = vi.fn(async (_view: string, _request: unknown, signal: AbortSignal) => exportResponse('devices.csv', CSV.slice(0, 2), null, signal));
    renderApp(fakeClient({ exportFile }), 'events');
    const group = exportGroup('Export every device hash in SensorData');
    await user.click(within(group).getByRole('button', { name: 'Export' }));
    const bar = await within(group).findByRole('progressbar', {}, { timeout: PROGRESS_AFTER_MS + 1000 });
    expect(bar.getAttribute('aria-valuetext')).toBe('2 rows · 76 B so far');
    expect(bar.className).toContain('progress-scanning');
    expect(exportFile).toHaveBeenCalledWith('devices', { format: 'csv' }, expect.any(AbortSignal));
    await user.click(within(group).getByRole('button', { name: 'Cancel' }));
  });

  it('shows the server’s reason beside the button: a 400 naming the parameter, a 503', async () => {
    const user = userEvent.setup();
    const exportFile = vi
      .fn()
      .mockRejectedValueOnce(new ApiRequestError(400, { error: 'query.from: from is after to', kind: 'invalid-input', field: 'from' }))
      .mockRejectedValueOnce(new ApiRequestError(503, { error: 'Redis is unavailable: connect ECONNREFUSED 127.0.0.1:6379', kind: 'unavailable', service: 'redis' }));
    renderApp(fakeClient({ exportFile }), 'events');
    const group = exportGroup('Export every entry in the time range');
    await user.click(within(group).getByRole('button', { name: 'Export' }));
    expect((await within(group).findByRole('alert')).textContent).toBe('Export failed: query.from: from is after to');
    await user.click(within(group).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(within(group).getByRole('alert').textContent).toBe('Export failed: Redis is unavailable: connect ECONNREFUSED 127.0.0.1:6379'));
    expect(downloads).toEqual([]);
  });

  it('says so when the file stops halfway, and keeps none of it', async () => {
    const user = userEvent.setup();
    const encoder = new TextEncoder();
    const exportFile = vi.fn(async (): Promise<ExportResponse> => ({
      filename: 'refusals.csv',
      total: 3,
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(CSV[0]!));
          controller.error(new TypeError('network error'));
        },
      }),
    }));
    renderApp(fakeClient({ exportFile }), 'devices');
    const group = exportGroup('Export the latest refusals');
    await user.click(within(group).getByRole('button', { name: 'Export' }));
    expect((await within(group).findByRole('alert')).textContent).toBe('Export failed: network error');
    expect(downloads).toEqual([]);
  });

  it('writes straight to the file chosen in the save dialog where the browser has one', async () => {
    const user = userEvent.setup();
    const written: string[] = [];
    const writable = {
      write: vi.fn(async (chunk: Uint8Array) => void written.push(new TextDecoder().decode(chunk))),
      close: vi.fn(async () => undefined),
      abort: vi.fn(async () => undefined),
    };
    const picker = vi.fn(async () => ({ createWritable: async () => writable }));
    Object.assign(window, { showSaveFilePicker: picker });
    const exportFile = vi.fn(async () => exportResponse('rejected.csv', CSV, 3));
    renderApp(fakeClient({ exportFile }), 'rejected');
    const group = exportGroup('Export every dead letter');
    await user.click(within(group).getByRole('button', { name: 'Export' }));

    expect((await within(group).findByTestId('export-saved')).textContent).toBe('Saved rejected.csv: 3 rows, 96 B.');
    expect(picker).toHaveBeenCalledWith({ suggestedName: 'rejected.csv', types: [{ description: 'CSV', accept: { 'text/csv': ['.csv'] } }] });
    expect(written.join('')).toBe(CSV.join(''));
    expect(writable.close).toHaveBeenCalled();
    expect(downloads).toEqual([]);
  });

  it('does nothing when the save dialog is closed without a choice', async () => {
    const user = userEvent.setup();
    const picker = vi.fn(async () => Promise.reject(new DOMException('The user aborted a request.', 'AbortError')));
    Object.assign(window, { showSaveFilePicker: picker });
    const fake = fakeClient();
    renderApp(fake, 'rejected');
    const group = exportGroup('Export every dead letter');
    await user.click(within(group).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(picker).toHaveBeenCalled());
    expect(fake.client.exportFile).not.toHaveBeenCalled();
    expect(within(group).queryByRole('status')).toBeNull();
  });
});
