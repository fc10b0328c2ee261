// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { TopicRule } from '../../core/domain/topic-rule.js';
import { fakeClient, installDomStubs, renderApp, topicRulesView } from './helpers.js';

installDomStubs();

const rows = () => screen.getAllByTestId('topic-rule');
const filters = () => rows().map((row) => (within(row).getByLabelText(/Topic filter of rule/) as HTMLInputElement).value);

describe('Topic rules page', () => {
  it('shows the rules in force in order, what each took, and where they come from', async () => {
    renderApp(fakeClient(), 'rules');
    await screen.findByRole('table', { name: 'Topic rules' });
    expect(filters()).toEqual(['temp_readings', 'meters/+/energy']);
    expect(rows().map((row) => within(row).getByTestId('rule-matched').textContent)).toEqual(['120', '30']);
    expect(screen.getByTestId('unrouted').textContent).toBe('4 messages matched no rule since the rules were set.');
    expect(screen.getByTestId('topic-rules-origin').textContent).toContain('/data/topic-rules.json');
    expect(screen.getByText('topic:<topic>')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save rules' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('adds, reorders and saves the whole table', async () => {
    const user = userEvent.setup();
    // Like the server: what was saved is what the next poll answers.
    let inForce = topicRulesView();
    const fake = fakeClient({
      topicRules: vi.fn(async () => inForce),
      saveTopicRules: vi.fn(async (rules: TopicRule[]) => (inForce = topicRulesView({ rules: rules.map((rule) => ({ ...rule, matched: 0 })), origin: 'saved' }))),
    });
    renderApp(fake, 'rules');
    await screen.findByRole('table', { name: 'Topic rules' });
    await user.click(screen.getByRole('button', { name: 'Add a rule' }));
    await user.type(screen.getByLabelText('Topic filter of rule 3'), 'sensors/+/air');
    await user.click(screen.getByRole('button', { name: 'Move rule 3 up' }));
    await user.selectOptions(screen.getByLabelText('Handler of rule 1'), 'Ignore');
    expect(filters()).toEqual(['temp_readings', 'sensors/+/air', 'meters/+/energy']);
    // A row that differs from the rule in force has no count yet.
    expect(within(rows()[1]!).queryByTestId('rule-matched')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Save rules' }));
    expect(fake.client.saveTopicRules).toHaveBeenCalledWith([
      { filter: 'temp_readings', handler: 'ignore' },
      { filter: 'sensors/+/air', handler: 'json-hash' },
      { filter: 'meters/+/energy', handler: 'meter' },
    ]);
    await waitFor(() => expect(screen.getByTestId('topic-rules-origin').textContent).toMatch(/^Saved in/));
  });

  it('reverts edits and removes rules', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'rules');
    await screen.findByRole('table', { name: 'Topic rules' });
    await user.click(screen.getByRole('button', { name: 'Remove rule 1' }));
    expect(filters()).toEqual(['meters/+/energy']);
    await user.click(screen.getByRole('button', { name: 'Revert' }));
    expect(filters()).toEqual(['temp_readings', 'meters/+/energy']);
    expect(fake.client.saveTopicRules).not.toHaveBeenCalled();
  });

  it('marks the rule the server refused and says why', async () => {
    const user = userEvent.setup();
    const saveTopicRules = vi.fn(async () => Promise.reject(new Error('rules.1.filter: "meters/#/x": "#" may only be the last level')));
    renderApp(fakeClient({ saveTopicRules }), 'rules');
    const second = await screen.findByLabelText('Topic filter of rule 2');
    await user.clear(second);
    await user.type(second, 'meters/#/x');
    await user.click(screen.getByRole('button', { name: 'Save rules' }));
    expect((await screen.findByText(/^Not saved:/)).textContent).toBe('Not saved: rules.1.filter: "meters/#/x": "#" may only be the last level');
    expect(screen.getByLabelText('Topic filter of rule 2').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Topic filter of rule 1').getAttribute('aria-invalid')).toBeNull();
  });

  it('locks the table in read-only mode and says why', async () => {
    renderApp(fakeClient({ topicRules: vi.fn(async () => topicRulesView({ locked: 'read-only mode: nothing is ingested, so there is nothing to route' })) }), 'rules');
    expect((await screen.findByTestId('topic-rules-locked')).textContent).toContain('read-only mode');
    expect((screen.getByLabelText('Topic filter of rule 1') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Add a rule' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
