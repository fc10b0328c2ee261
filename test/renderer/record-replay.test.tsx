// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { nameFromFile } from '../../renderer/src/pages/broker/record-replay.js';
import { fakeClient, installDomStubs, recordingFile, recordingState, recordingsView, renderApp, replayStatus } from './helpers.js';

installDomStubs();

describe('the Record panel', () => {
  it('starts a recording with a filter and a name, then shows its size and count live', async () => {
    const fake = fakeClient();
    let active: ReturnType<typeof recordingState> | null = null;
    vi.mocked(fake.client.recordings).mockImplementation(async () => recordingsView({ active }));
    vi.mocked(fake.client.startRecording).mockImplementation(async (request) => {
      active = recordingState({ name: request?.name ?? 'x', filter: request?.filter ?? '#', messages: 1234, bytes: 300_000 });
      return active;
    });
    renderApp(fake, 'broker');
    const panel = await screen.findByTestId('record-panel');
    const filter = within(panel).getByLabelText('Topic filter');
    await userEvent.clear(filter);
    await userEvent.type(filter, 'meters/+/energy');
    await userEvent.type(within(panel).getByLabelText('Name (optional)'), 'morning');
    await userEvent.click(within(panel).getByRole('button', { name: 'Start recording' }));
    expect(fake.client.startRecording).toHaveBeenCalledWith({ name: 'morning', filter: 'meters/+/energy' });
    expect((await within(panel).findByTestId('recording-messages')).textContent).toContain('1,234');
    expect(within(panel).getByTestId('recording-bytes').textContent).toContain('293 KiB');
    expect(within(panel).getByRole('progressbar', { name: 'Size cap used' }).getAttribute('aria-valuenow')).toBe('300000');
    await userEvent.click(within(panel).getByRole('button', { name: 'Stop recording' }));
    expect(fake.client.stopRecording).toHaveBeenCalled();
  });

  it('says a recording stopped at its size cap', async () => {
    const fake = fakeClient();
    vi.mocked(fake.client.recordings).mockResolvedValue(recordingsView({ last: recordingState({ name: 'big', stopReason: 'size-cap', messages: 99, bytes: 104_857_000 }) }));
    renderApp(fake, 'broker');
    expect((await screen.findByTestId('recording-last')).textContent).toMatch(/big stopped at its size cap \(100 MiB, --record-max-bytes\): 99 messages/);
  });
});

describe('the Recordings list', () => {
  it('lists each file with size, messages and time span, downloads, replays and deletes after asking', async () => {
    const fake = fakeClient();
    vi.mocked(fake.client.recordings).mockResolvedValue(recordingsView({ files: [recordingFile({ name: 'r1', messages: 10_000, bytes: 2_500_000 })] }));
    renderApp(fake, 'broker');
    const row = await screen.findByTestId('recording-row');
    expect(row.textContent).toContain('r1');
    expect(row.textContent).toContain('2.4 MiB');
    expect(row.textContent).toContain('10,000');
    expect(row.textContent).toContain('(1 min 0 s)');
    expect(within(row).getByRole('link', { name: 'Download r1' }).getAttribute('href')).toBe('http://127.0.0.1:4000/api/recordings/r1/file?token=t');
    await userEvent.click(within(row).getByRole('button', { name: 'Replay r1' }));
    expect(fake.client.startReplay).toHaveBeenCalledWith({ source: { kind: 'file', name: 'r1' }, speed: 100 });
    await userEvent.click(within(row).getByRole('button', { name: 'Delete r1' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(fake.client.deleteRecording).toHaveBeenCalledWith('r1');
  });

  it('uploads an export under a name from its file name', async () => {
    const fake = fakeClient();
    renderApp(fake, 'broker');
    const input = await screen.findByTestId('recording-upload');
    await userEvent.upload(input, new File(['{"deviceId":"1"}\n'], 'events 1-2.ndjson', { type: 'application/x-ndjson' }));
    await waitFor(() => expect(fake.client.importRecording).toHaveBeenCalledWith('events-1-2', expect.any(File)));
    expect(nameFromFile('..//x.json')).toBe('x');
    expect(nameFromFile('***')).toBeNull();
  });
});

describe('the Replay panel', () => {
  it('starts a replay of a file at a speed, into the replay prefix by default', async () => {
    const fake = fakeClient();
    vi.mocked(fake.client.recordings).mockResolvedValue(recordingsView({ files: [recordingFile({ name: 'r1' })] }));
    renderApp(fake, 'broker');
    const panel = await screen.findByTestId('replay-panel');
    const form = within(panel).getByTestId('replay-form');
    await waitFor(() => expect((within(form).getByLabelText('Replay source') as HTMLSelectElement).value).toBe('r1'));
    const speed = within(form).getByLabelText('Speed (× the original pace)');
    await userEvent.clear(speed);
    await userEvent.type(speed, '1000');
    await userEvent.click(within(form).getByRole('button', { name: 'Start replay' }));
    expect(fake.client.startReplay).toHaveBeenCalledWith({ source: { kind: 'file', name: 'r1' }, speed: 1000, loop: false, keys: 'prefix' });
  });

  it('shows progress, the emulated time, skipped lines and bad buckets, and pauses, seeks and stops', async () => {
    const fake = fakeClient();
    const start = Date.UTC(2026, 10, 2, 12, 0, 0);
    vi.mocked(fake.client.replay).mockResolvedValue(
      replayStatus({
        state: 'playing',
        sourceLabel: 'file r1',
        speed: 100,
        startTime: start,
        endTime: start + 60_000,
        emulatedTime: start + 15_000,
        progress: 0.25,
        published: 2500,
        acknowledged: 2490,
        total: 10_000,
        skipped: { total: 2, byReason: { 'bad-json': 1, 'not-a-message': 0, 'unknown-topic': 1, oversize: 0 }, lines: [{ line: 7, reason: 'bad-json', detail: 'Unexpected token' }, { line: 9, reason: 'unknown-topic', detail: '"x": no topic rule writes this topic' }] },
        badBuckets: [{ bucketStart: 1_793_577_600, objectKey: 'energy/D1/1793577600.ndjson.lz4', reason: 'corrupt: not a readable LZ4 frame' }],
      }),
    );
    renderApp(fake, 'broker');
    const status = await screen.findByTestId('replay-status');
    expect(within(status).getByRole('progressbar', { name: 'Replay progress' }).getAttribute('aria-valuenow')).toBe('25');
    expect(within(status).getByTestId('replay-percent').textContent).toContain('25%');
    expect(within(status).getByTestId('replay-published').textContent).toContain('2,500');
    expect(within(status).getByTestId('replay-emulated-time').querySelector('time')!.getAttribute('dateTime')).toBe(new Date(start + 15_000).toISOString());
    const skipped = within(status).getByTestId('replay-skipped-lines');
    expect(skipped.textContent).toContain('2 lines of the file skipped (1 not JSON, 1 unknown topic)');
    expect(within(skipped).getAllByRole('row').map((row) => row.textContent)).toEqual(['LineWhyDetail', '7not JSONUnexpected token', '9unknown topic"x": no topic rule writes this topic']);
    expect(within(status).getByTestId('replay-bad-buckets').textContent).toContain('energy/D1/1793577600.ndjson.lz4');

    await userEvent.click(within(status).getByRole('button', { name: 'Pause' }));
    expect(fake.client.controlReplay).toHaveBeenLastCalledWith({ action: 'pause' });
    const seek = within(status).getByLabelText('Seek to a point of the replay');
    await userEvent.click(within(status).getByRole('button', { name: 'Stop' }));
    expect(fake.client.controlReplay).toHaveBeenLastCalledWith({ action: 'stop' });
    // A range input takes no typing: set its value as a drag would.
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    setValue.call(seek, '750');
    seek.dispatchEvent(new Event('input', { bubbles: true }));
    await waitFor(() => expect(fake.client.controlReplay).toHaveBeenLastCalledWith({ action: 'seek', fraction: 0.75 }));
  });

  it('offers the replay keys on every page and clears them after asking', async () => {
    const fake = fakeClient();
    vi.mocked(fake.client.clearReplayKeys).mockResolvedValue({ keyPrefix: 'replay:', deleted: 42, command: '' });
    renderApp(fake, 'broker');
    const keys = await screen.findByTestId('replay-keys');
    expect(keys.textContent).toContain("redis-cli --scan --pattern 'replay:*'");
    await userEvent.click(within(keys).getByRole('button', { name: 'Show the replay keys on every page' }));
    await waitFor(() => expect(fake.client.activateConnection).toHaveBeenCalledWith('workbench-replay'));
    const after = await screen.findByTestId('replay-keys');
    await userEvent.click(within(after).getByRole('button', { name: 'Clear the replay keys' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete them' }));
    expect((await screen.findByText('42 replay keys deleted.')).textContent).toBe('42 replay keys deleted.');
    vi.restoreAllMocks();
  });
});
