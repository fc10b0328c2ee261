// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ConsoleReply } from '../../core/api/console.js';
import { HISTORY_LIMIT, historyStorageKey } from '../../renderer/src/pages/console/console-history.js';
import { activeConnection, consoleReply, fakeClient, installDomStubs, renderApp, stackStatus } from './helpers.js';

installDomStubs();

const storedHistory = (connectionId: string) => JSON.parse(window.localStorage.getItem(historyStorageKey(connectionId)) ?? 'null') as string[] | null;

/** The console page on the built-in connection, its command line found. */
async function openConsole(overrides: Record<string, unknown> = {}) {
  const user = userEvent.setup();
  const fake = fakeClient(overrides);
  renderApp(fake, 'console');
  const input = await screen.findByRole('textbox', { name: 'Command to Workbench Redis' });
  return { user, fake, input };
}

const exchanges = () => screen.queryAllByTestId('console-exchange');

describe('Console page', () => {
  it('sends the line on Enter and prints the reply verbatim after a redis-cli prompt, with its time', async () => {
    const output = '1) "7"\n2) "1700000000000"\n3) "8"\n4) "1700000000500"';
    const { user, fake, input } = await openConsole({
      console: vi.fn(async (): Promise<ConsoleReply> => consoleReply({ args: ['ZRANGE', 'SensorData', '0', '-1', 'WITHSCORES'], output, elapsedMs: 1.25 })),
    });
    expect(screen.getByTestId('console-transcript').textContent).toContain('Type a command below');

    await user.type(input, 'ZRANGE SensorData 0 -1 WITHSCORES{Enter}');
    expect(fake.client.console).toHaveBeenCalledWith('ZRANGE SensorData 0 -1 WITHSCORES');
    expect(input).toHaveProperty('value', '');
    const [exchange] = exchanges();
    expect(exchange!.textContent).toContain('Workbench Redis> ZRANGE SensorData 0 -1 WITHSCORES');
    const pre = await within(exchange!).findByTestId('console-output');
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe(output);
    expect(pre.className).not.toContain('console-error');
    expect(within(exchange!).getByTestId('console-elapsed').textContent).toBe(`${(1.25).toLocaleString()} ms`);
  });

  it('styles errors as errors, shows why a command was refused, and says when the request failed', async () => {
    const reason = 'DEL may write, and Staging is read-only';
    const send = vi
      .fn()
      .mockResolvedValueOnce(consoleReply({ args: ['FOO'], output: "(error) ERR unknown command 'FOO'", error: true }))
      .mockResolvedValueOnce(consoleReply({ args: ['DEL', 'x'], output: `(refused) ${reason}`, error: true, refused: reason }))
      .mockResolvedValueOnce(consoleReply({ args: ['FLUSHALL'], output: '', error: true, refused: reason }))
      .mockRejectedValueOnce(new Error('HTTP 502 from /api/console'));
    const { user, input } = await openConsole({ console: send });
    for (const line of ['FOO', 'DEL x', 'FLUSHALL', 'PING']) await user.type(input, `${line}{Enter}`);

    await waitFor(() => expect(exchanges().map((one) => within(one).queryByRole('status'))).toEqual([null, null, null, null]));
    const outputs = exchanges().map((one) => within(one).getByTestId('console-output'));
    expect(outputs.map((pre) => pre.textContent)).toEqual([
      "(error) ERR unknown command 'FOO'",
      `(refused) ${reason}`,
      `(refused) ${reason}`, // said even when the server sent no output
      '(error) HTTP 502 from /api/console',
    ]);
    for (const pre of outputs) expect(pre.className).toContain('console-error');
    expect(outputs[1]!.className).toContain('console-refused');
  });

  it('walks the history with Up and Down, bringing back what was being typed', async () => {
    const { user, input } = await openConsole();
    await user.type(input, 'PING{Enter}');
    await user.type(input, 'DBSIZE{Enter}');
    await user.type(input, 'GET climate:hot{Enter}');
    await user.type(input, 'ZCA');

    await user.keyboard('{ArrowUp}');
    expect(input).toHaveProperty('value', 'GET climate:hot');
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(input).toHaveProperty('value', 'PING');
    await user.keyboard('{ArrowUp}'); // the oldest stays
    expect(input).toHaveProperty('value', 'PING');
    await user.keyboard('{ArrowDown}');
    expect(input).toHaveProperty('value', 'DBSIZE');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(input).toHaveProperty('value', 'ZCA');
    await user.keyboard('{ArrowDown}');
    expect(input).toHaveProperty('value', 'ZCA');

    // A recalled line is sent like a typed one.
    await user.clear(input);
    await user.keyboard('{ArrowUp}{ArrowUp}{Enter}');
    expect(screen.getAllByTestId('console-exchange').at(-1)!.textContent).toContain('Workbench Redis> DBSIZE');
  });

  it('keeps the history per connection in localStorage: the newest 200, no repeats of the line before', async () => {
    window.localStorage.setItem(historyStorageKey('staging'), JSON.stringify(['GET staging-only']));
    const older = Array.from({ length: HISTORY_LIMIT }, (_, i) => `GET k${i}`);
    window.localStorage.setItem(historyStorageKey('workbench'), JSON.stringify(older));
    const { user, input } = await openConsole();

    await user.click(input);
    await user.keyboard('{ArrowUp}');
    expect(input).toHaveProperty('value', `GET k${HISTORY_LIMIT - 1}`);
    await user.clear(input);
    await user.type(input, 'PING{Enter}');
    await user.type(input, 'PING{Enter}');
    await user.type(input, 'DBSIZE{Enter}');
    const stored = storedHistory('workbench')!;
    expect(stored).toHaveLength(HISTORY_LIMIT);
    expect(stored.slice(-3)).toEqual([`GET k${HISTORY_LIMIT - 1}`, 'PING', 'DBSIZE']);
    expect(stored[0]).toBe('GET k2');
    expect(storedHistory('staging')).toEqual(['GET staging-only']);
  });

  it('loads the history of the connection in use', async () => {
    window.localStorage.setItem(historyStorageKey('staging'), JSON.stringify(['GET staging-only']));
    const user = userEvent.setup();
    const staging = activeConnection({ id: 'staging', name: 'Staging', builtIn: false, readOnly: true });
    renderApp(fakeClient({ status: vi.fn(async () => stackStatus({ connection: staging, readOnly: true })) }), 'console');
    const input = await screen.findByRole('textbox', { name: 'Command to Staging' });
    expect(screen.getByTestId('console-read-only').textContent).toContain('Staging is read-only');
    await user.click(input);
    await user.keyboard('{ArrowUp}');
    expect(input).toHaveProperty('value', 'GET staging-only');
  });

  it('works on when the history cannot be stored or read', async () => {
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    vi.spyOn(Storage.prototype, 'getItem').mockReturnValue('{not json');
    const { user, fake, input } = await openConsole();
    await user.type(input, 'PING{Enter}');
    expect(fake.client.console).toHaveBeenCalledWith('PING');
    await user.keyboard('{ArrowUp}');
    expect(input).toHaveProperty('value', 'PING');
  });

  it('lists the examples and runs one on click, into the history', async () => {
    const consoleExamples = vi.fn(async () => [
      { title: 'Newest events', line: 'ZREVRANGE SensorData 0 9 WITHSCORES' },
      { title: 'Hot readings so far', line: 'GET climate:hot' },
    ]);
    const { user, fake, input } = await openConsole({ consoleExamples });
    const examples = await screen.findByRole('complementary', { name: 'Examples' });
    const buttons = await within(examples).findAllByRole('button');
    expect(buttons.map((button) => button.textContent)).toEqual(['Newest eventsZREVRANGE SensorData 0 9 WITHSCORES', 'Hot readings so farGET climate:hot']);

    await user.click(buttons[1]!);
    expect(fake.client.console).toHaveBeenCalledWith('GET climate:hot');
    expect(exchanges()[0]!.textContent).toContain('Workbench Redis> GET climate:hot');
    expect(document.activeElement).toBe(input);
    await user.keyboard('{ArrowUp}');
    expect(input).toHaveProperty('value', 'GET climate:hot');
    expect(storedHistory('workbench')).toEqual(['GET climate:hot']);
  });

  it('clears the transcript but not the history', async () => {
    const { user, input } = await openConsole();
    await user.type(input, 'PING{Enter}');
    await screen.findByTestId('console-output');
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(exchanges()).toHaveLength(0);
    await user.keyboard('{ArrowUp}');
    expect(input).toHaveProperty('value', 'PING');
  });

  it('ignores an empty line', async () => {
    const { user, fake, input } = await openConsole();
    await user.type(input, '   {Enter}');
    expect(fake.client.console).not.toHaveBeenCalled();
    expect(exchanges()).toHaveLength(0);
  });
});
