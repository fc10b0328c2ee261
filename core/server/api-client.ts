import type { ApiError, EmulatorCommand, EmulatorStatus, StackStatus } from './contract.js';

/** Where the API is and the per-launch token; the only thing a client needs to know. */
export interface ApiEndpoint {
  origin: string;
  token: string;
}

/** The typed client the renderer (and any script) uses; plain fetch, so it runs in a browser and in Node. */
export class ApiClient {
  constructor(private readonly endpoint: ApiEndpoint) {}

  status(): Promise<StackStatus> {
    return this.request('GET', '/api/status');
  }

  emulator(command: EmulatorCommand): Promise<EmulatorStatus> {
    return this.request('POST', '/api/emulator', command);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint.origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.endpoint.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const payload = (await response.json()) as T | ApiError;
    if (!response.ok) throw new Error((payload as ApiError).error ?? `HTTP ${response.status}`);
    return payload as T;
  }
}

/** Reads the endpoint from the page address: the token arrives in the fragment (desktop) or query (browser mode). */
export function endpointFromLocation(location: { origin: string; search: string; hash: string }): ApiEndpoint | null {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromQuery = new URLSearchParams(location.search);
  const token = fromHash.get('token') ?? fromQuery.get('token');
  if (!token) return null;
  return { origin: fromHash.get('api') ?? location.origin, token };
}
