import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { route, routeUrl } from '../../../core/api/route.js';
import { routes } from '../../../core/api/routes.js';
import { clientRoutes } from '../../../core/api/client-api.js';

const table = Object.entries(routes);
const clientTable = Object.entries(clientRoutes);

describe('the route table', () => {
  it.each([...table, ...clientTable])('%s names each :parameter of its path in its params schema, and nothing else', (_name, { path, params }) => {
    const inPath = [...path.matchAll(/:(\w+)/g)].map(([, name]) => name).sort();
    const inSchema = params instanceof z.ZodObject ? Object.keys(params.shape).sort() : [];
    expect(inSchema).toEqual(inPath);
  });

  it('has one route per method and path, all under /api/', () => {
    const keys = table.map(([, { method, path }]) => `${method} ${path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^(GET|POST|PUT|PATCH|DELETE) \/api\//);
  });

  it('gives only POST, PUT and PATCH routes a body, and 204 only to DELETE routes', () => {
    for (const [name, { method, hasBody, status }] of table) {
      if (hasBody) expect(['POST', 'PUT', 'PATCH'], name).toContain(method);
      if (status === 204) expect(method, name).toBe('DELETE');
    }
  });
});

describe('the client route table', () => {
  it('has only GET routes under /v1/, one per path, each taking ?format', () => {
    const paths = clientTable.map(([, { method, path }]) => `${method} ${path}`);
    expect(new Set(paths).size).toBe(paths.length);
    for (const [name, { method, path, query, hasBody }] of clientTable) {
      expect(`${method} ${path}`, name).toMatch(/^GET \/v1\//);
      expect(hasBody, name).toBe(false);
      expect(query.parse({ format: 'csv', from: '1', to: '2' }), name).toMatchObject({ format: 'csv' });
    }
  });
});

describe('routeUrl', () => {
  const example = route({ method: 'GET', path: '/api/things/:id/parts', params: z.object({ id: z.string() }), query: z.object({ limit: z.number().optional(), q: z.string() }), response: z.unknown() });

  it('encodes path parameters and leaves unset query parameters out', () => {
    expect(routeUrl(example, { id: 'a/b?c' }, { q: 'x y&z', limit: undefined })).toBe('/api/things/a%2Fb%3Fc/parts?q=x+y%26z');
    expect(routeUrl(example, { id: '1' }, { q: '', limit: 5 })).toBe('/api/things/1/parts?q=&limit=5');
  });

  it('adds no query string when nothing is set', () => {
    expect(routeUrl(routes.status, undefined, undefined)).toBe('/api/status');
  });
});
