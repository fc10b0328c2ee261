import type { LiveTopic } from '../../core/api/live.js';

export type PageId = 'overview' | 'events' | 'climate' | 'warnings' | 'emulator' | 'meters' | 'archive' | 'model' | 'indexes' | 'keys' | 'console' | 'connections' | 'devices' | 'broker' | 'rules' | 'rejected' | 'api-keys';

export interface PageInfo {
  id: PageId;
  title: string;
  /** Live topics the page needs besides status. */
  topics: LiveTopic[];
}

export const PAGES: readonly PageInfo[] = [
  { id: 'overview', title: 'Overview', topics: [] },
  { id: 'events', title: 'Events', topics: ['events'] },
  { id: 'climate', title: 'Climate', topics: ['climate'] },
  { id: 'warnings', title: 'Warnings', topics: ['warnings'] },
  { id: 'emulator', title: 'Emulator', topics: [] },
  { id: 'meters', title: 'Meters', topics: [] },
  { id: 'archive', title: 'Archive', topics: [] },
  { id: 'model', title: 'Data model', topics: [] },
  { id: 'indexes', title: 'Indexes', topics: [] },
  { id: 'keys', title: 'Keys', topics: [] },
  { id: 'console', title: 'Console', topics: [] },
  { id: 'connections', title: 'Connections', topics: [] },
  { id: 'devices', title: 'Devices', topics: [] },
  { id: 'api-keys', title: 'API keys', topics: [] },
  { id: 'broker', title: 'Broker', topics: [] },
  { id: 'rules', title: 'Topic rules', topics: [] },
  { id: 'rejected', title: 'Rejected', topics: [] },
];

/** The one live connection's topics for a page: status always, plus what the page shows live. */
export function topicsFor(page: PageId): LiveTopic[] {
  return ['status', ...(PAGES.find((info) => info.id === page)?.topics ?? [])];
}
