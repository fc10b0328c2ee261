// @vitest-environment jsdom
import { screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

const PAGE_NAMES = ['Overview', 'Events', 'Climate', 'Warnings', 'Emulator', 'Meters', 'Archive', 'Data model', 'Indexes', 'Keys', 'Console', 'Connections', 'Devices', 'API keys', 'Broker', 'Topic rules', 'Rejected'];

describe('navigation', () => {
  it('lists every page as a link in the page navigation, Overview first and current', async () => {
    const fake = fakeClient();
    renderApp(fake);
    const nav = screen.getByRole('navigation', { name: 'Pages' });
    const links = Array.from(nav.querySelectorAll('a'));
    expect(links.map((link) => link.textContent)).toEqual(PAGE_NAMES);
    expect(screen.getByRole('link', { name: 'Overview' })).toHaveProperty('ariaCurrent', 'page');
    expect(await screen.findByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();
  });

  it('moves between pages with Tab, the arrow keys and Enter, without touching the address', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake);
    const before = window.location.href;

    await user.tab(); // skip link
    expect(document.activeElement?.textContent).toBe('Skip to content');
    await user.tab(); // theme toggle in the top bar
    await user.tab(); // first page link
    expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Overview' }));

    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Events' }));
    await user.keyboard('{Enter}');
    expect(screen.getByRole('heading', { level: 1, name: 'Events' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Events' }).getAttribute('aria-current')).toBe('page');

    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Warnings' }));
    await user.keyboard(' ');
    expect(screen.getByRole('heading', { level: 1, name: 'Warnings' })).toBeTruthy();

    await user.keyboard('{End}');
    expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Rejected' }));
    await user.keyboard('{ArrowDown}'); // wraps round
    expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Overview' }));
    await user.keyboard('{ArrowUp}{Enter}');
    expect(screen.getByRole('heading', { level: 1, name: 'Rejected' })).toBeTruthy();
    await user.keyboard('{Home}{ArrowRight}{ArrowRight}{Enter}');
    expect(screen.getByRole('heading', { level: 1, name: 'Climate' })).toBeTruthy();

    expect(window.location.href).toBe(before);
  });

  it('every page has a level-one heading named as its link', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake);
    for (const name of PAGE_NAMES) {
      await user.click(screen.getByRole('link', { name }));
      expect(screen.getByRole('heading', { level: 1, name })).toBeTruthy();
    }
  });

  it('keeps ONE live connection and subscribes it to what the page needs', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake);
    const live = fake.current();
    expect(live.topics).toEqual(['status']);

    await user.click(screen.getByRole('link', { name: 'Events' }));
    expect(live.topics).toEqual(['status', 'events']);
    await user.click(screen.getByRole('link', { name: 'Climate' }));
    expect(live.topics).toEqual(['status', 'climate']);
    await user.click(screen.getByRole('link', { name: 'Warnings' }));
    expect(live.topics).toEqual(['status', 'warnings']);
    await user.click(screen.getByRole('link', { name: 'Data model' }));
    expect(live.topics).toEqual(['status']);

    expect(fake.current()).toBe(live);
    await waitFor(() => expect(fake.client.dataModel).toHaveBeenCalled());
  });
});
