// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { BrokerClientView, BrokerTopicList, BrokerTopicView } from '../../core/api/broker.js';
import { buildTopicTree, visibleRows } from '../../renderer/src/pages/broker/topic-tree.js';
import { fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

function topic(name: string, messages: number, text = `{"at":"${name}"}`): BrokerTopicView {
  return {
    topic: name,
    messages,
    ratePerSecond: messages / 10,
    recent: Array.from({ length: 30 }, (_, index) => (index % 2) * messages),
    lastAt: 1_700_000_000_000 + messages,
    lastPayload: { encoding: 'utf8', text, size: text.length, truncated: false },
    lastProperties: null,
  };
}

function topicList(topics: BrokerTopicView[], extra: Partial<BrokerTopicList> = {}): BrokerTopicList {
  return { topics, matched: topics.length, tracked: topics.length, maxTopics: 10_000, untrackedMessages: 0, at: Date.now(), ...extra };
}

const CLIENT: BrokerClientView = {
  id: 'D704206000042',
  protocol: 'mqtts',
  address: '10.0.0.9',
  since: Date.now() - 60_000,
  tls: true,
  certificateCn: 'D704206000042',
  deviceId: 'D704206000042',
  workbench: false,
  protocolVersion: 5,
  messagesIn: 1234,
  lastMessageAt: Date.now(),
};

describe('the topic tree', () => {
  it('splits topics at / with totals per level, a level that is also a topic keeping its own traffic', () => {
    const roots = buildTopicTree([topic('a', 1), topic('a-x', 2), topic('a/b', 3), topic('a/c/d', 4), topic('/lead', 5)]);
    expect(roots.map((node) => node.path)).toEqual(['', 'a', 'a-x']);
    const a = roots[1]!;
    expect(a).toMatchObject({ name: 'a', messages: 1 + 3 + 4, ratePerSecond: 0.8 });
    expect(a.own?.messages).toBe(1);
    expect(a.children.map((node) => node.path)).toEqual(['a/b', 'a/c']);
    expect(a.children[1]).toMatchObject({ own: null, messages: 4, children: [expect.objectContaining({ path: 'a/c/d' })] });
    expect(a.recent[1]).toBe(8);
    expect(roots[0]).toMatchObject({ name: '', path: '', messages: 5, children: [expect.objectContaining({ path: '/lead', name: 'lead' })] });
  });

  it('leaves out what is below a collapsed level', () => {
    const roots = buildTopicTree([topic('a/b', 1), topic('a/c', 1), topic('z', 1)]);
    expect(visibleRows(roots, new Set()).map(({ node, depth }) => `${depth}:${node.path}`)).toEqual(['0:a', '1:a/b', '1:a/c', '0:z']);
    expect(visibleRows(roots, new Set(['a'])).map(({ node }) => node.path)).toEqual(['a', 'z']);
  });
});

describe('Broker page', () => {
  it('shows the connected clients and the topic tree, and collapses a level', async () => {
    const user = userEvent.setup();
    const fake = fakeClient({
      brokerClients: vi.fn(async () => ({ total: 1, clients: [CLIENT] })),
      brokerTopics: vi.fn(async () => topicList([topic('meters/D1/energy', 7), topic('meters/D2/energy', 3, 'ff00')], { untrackedMessages: 12 })),
    });
    renderApp(fake, 'broker');
    const row = await screen.findByTestId('broker-client-row');
    expect(row.textContent).toContain('D704206000042');
    expect(row.textContent).toContain('mqtts · MQTT 5');
    expect(row.textContent).toContain('yes, certificate CN=D704206000042');
    expect(row.textContent).toContain('10.0.0.9');
    expect(row.textContent).toMatch(/1[,.  ]?234/);

    const tree = await screen.findByRole('table', { name: 'Topic tree' });
    await waitFor(() => expect(within(tree).getAllByTestId('topic-row').map((tr) => tr.dataset.topic)).toEqual(['meters', 'meters/D1', 'meters/D1/energy', 'meters/D2', 'meters/D2/energy']));
    expect(within(tree).getAllByTestId('topic-row')[0]!.textContent).toContain('10');
    expect(within(tree).getAllByTestId('topic-row')[2]!.textContent).toContain('{"at":"meters/D1/energy"}');
    expect(screen.getByTestId('untracked-topics').textContent).toContain('12 messages went to topics not tracked');

    await user.click(within(tree).getByRole('button', { name: 'Collapse meters' }));
    expect(within(tree).getAllByTestId('topic-row').map((tr) => tr.dataset.topic)).toEqual(['meters']);
    expect(within(tree).getByRole('button', { name: 'Expand meters' }).getAttribute('aria-expanded')).toBe('false');
  });

  it('shows the MQTT 5 properties of a topic\'s last message under its payload, and none for a 3.1.1 one', async () => {
    const v5 = {
      ...topic('thermostats/T1', 2),
      lastProperties: {
        contentType: 'application/json',
        payloadFormat: 'utf8' as const,
        responseTopic: 'replies/T1',
        correlationData: { encoding: 'hex' as const, text: '00ff', size: 2, truncated: false },
        userProperties: [['site', 'lab'] as [string, string]],
        messageExpirySeconds: 60,
      },
    };
    const fake = fakeClient({ brokerTopics: vi.fn(async () => topicList([v5, topic('thermostats/T2', 1)])) });
    renderApp(fake, 'broker');
    const tree = await screen.findByRole('table', { name: 'Topic tree' });
    await waitFor(() => expect(within(tree).getAllByTestId('topic-properties')).toHaveLength(1));
    expect(within(tree).getByTestId('topic-properties').textContent).toBe(
      'MQTT 5: content-type application/json · payload-format utf8 · response-topic replies/T1 · correlation-data 0x00ff · user-property site=lab · message-expiry-interval 60 s',
    );
  });

  it('asks for the topics under the prefix typed', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'broker');
    await user.type(await screen.findByLabelText('Topic prefix'), 'meters/');
    await waitFor(() => expect(fake.client.brokerTopics).toHaveBeenLastCalledWith('meters/', expect.any(Number)));
    expect(await screen.findByText('Nothing published to a topic starting with meters/.')).toBeTruthy();
  });

  it('publishes a test message and shows the outcome, or the server\'s reason', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'broker');
    const form = await screen.findByTestId('publish-form');
    await user.type(within(form).getByLabelText('Topic'), 'workbench/test');
    await user.type(within(form).getByLabelText('Payload'), 'hello');
    await user.selectOptions(within(form).getByLabelText('QoS'), '1');
    await user.click(within(form).getByLabelText('Retain'));
    await user.click(within(form).getByRole('button', { name: 'Publish' }));
    expect(fake.client.publishTestMessage).toHaveBeenCalledWith({ topic: 'workbench/test', payload: 'hello', qos: 1, retain: true });
    expect((await within(form).findByTestId('publish-outcome')).textContent).toMatch(/Published 5 B to workbench\/test at QoS 1, retained/);

    vi.mocked(fake.client.publishTestMessage).mockRejectedValueOnce(new Error('topic: a topic name may not contain the wildcards "+" or "#"'));
    await user.click(within(form).getByRole('button', { name: 'Publish' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Not published: topic: a topic name may not contain the wildcards "+" or "#"');
    expect(within(form).queryByTestId('publish-outcome')).toBeNull();
  });
});
