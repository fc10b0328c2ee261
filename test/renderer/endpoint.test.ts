import { describe, expect, it } from 'vitest';
import { ENDPOINT_STORAGE_KEY, loadEndpoint } from '../../renderer/src/client.js';

function memoryStorage() {
  const map = new Map<string, string>();
  return { getItem: (key: string) => map.get(key) ?? null, setItem: (key: string, value: string) => void map.set(key, value), map };
}

describe('loadEndpoint', () => {
  it('takes the token from the query (browser mode) and keeps it for a reload', () => {
    const storage = memoryStorage();
    const first = loadEndpoint({ origin: 'http://127.0.0.1:4000', search: '?token=abc', hash: '' }, storage);
    expect(first).toEqual({ origin: 'http://127.0.0.1:4000', token: 'abc' });
    expect(JSON.parse(storage.map.get(ENDPOINT_STORAGE_KEY)!)).toEqual(first);
    expect(loadEndpoint({ origin: 'http://127.0.0.1:4000', search: '', hash: '' }, storage)).toEqual(first);
  });

  it('takes the API address and token from the fragment (desktop), which wins over what was stored', () => {
    const storage = memoryStorage();
    storage.setItem(ENDPOINT_STORAGE_KEY, JSON.stringify({ origin: 'http://old', token: 'old' }));
    expect(loadEndpoint({ origin: 'file://', search: '', hash: '#api=http://127.0.0.1:5000&token=new' }, storage)).toEqual({
      origin: 'http://127.0.0.1:5000',
      token: 'new',
    });
  });

  it('is null without a token anywhere, or with a damaged stored entry', () => {
    const storage = memoryStorage();
    expect(loadEndpoint({ origin: 'http://x', search: '', hash: '' }, storage)).toBeNull();
    storage.setItem(ENDPOINT_STORAGE_KEY, '{not json');
    expect(loadEndpoint({ origin: 'http://x', search: '', hash: '' }, storage)).toBeNull();
    expect(loadEndpoint({ origin: 'http://x', search: '', hash: '' }, null)).toBeNull();
  });
});
