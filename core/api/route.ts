import { z } from 'zod';

/**
 * One HTTP route of the API as both sides read it: the server validates with its schemas and
 * registers it, the client builds its requests from it (core/api/routes.ts is the table).
 */
export interface Route<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  /** With `:name` for each path parameter. */
  readonly path: string;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** A route without a body schema takes none; the client sends none and the server ignores one. */
  readonly hasBody: boolean;
  /** The status of a successful answer; 204 answers carry no body. */
  readonly status: SuccessStatus;
  /** The successful answer's body; z.void() for a 204. The client parses every answer with it, except a download's. */
  readonly response: R;
  /** The answer is a file streamed as it is read (an ExportDownload, core/api/export.ts), not JSON. */
  readonly download: boolean;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type SuccessStatus = 200 | 201 | 204;

/** What a route definition names; the parts left out take nothing. */
interface RouteSpec {
  method: HttpMethod;
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  status?: SuccessStatus;
  response: z.ZodType;
  download?: boolean;
}

type PartOf<S, Name extends string, Absent> = S extends { [K in Name]: infer Schema extends z.ZodType } ? Schema : Absent;

const NO_PARAMS = z.object({});
/** Query strings also carry the token (`?token=`): unknown names are dropped, never refused. */
const NO_QUERY = z.object({});
const NO_BODY = z.unknown();

/** A route of the table; the signature keeps each part's own schema type, the body fills in the parts left out. */
export function route<const S extends RouteSpec>(
  spec: S,
): Route<PartOf<S, 'params', typeof NO_PARAMS>, PartOf<S, 'query', typeof NO_QUERY>, PartOf<S, 'body', typeof NO_BODY>, S['response']>;
export function route(spec: RouteSpec): Route {
  return { params: NO_PARAMS, query: NO_QUERY, body: NO_BODY, hasBody: spec.body !== undefined, status: 200, download: false, ...spec };
}

/** The validated request parts a server handler gets. */
export interface RouteInput<T extends Route> {
  params: z.output<T['params']>;
  query: z.output<T['query']>;
  body: z.output<T['body']>;
}

/** A successful answer, as the handler returns it and the client resolves with it. */
export type RouteResponse<T extends Route> = z.output<T['response']>;

/** A part whose fields may all be left out may itself be left out. */
type RequestPart<Name extends string, S extends z.ZodType> = Record<never, never> extends z.input<S> ? { [K in Name]?: z.input<S> } : { [K in Name]: z.input<S> };

/** What a client passes to call a route: the schemas' inputs, before defaults and coercion. */
export type RouteRequest<T extends Route> = RequestPart<'params', T['params']> & RequestPart<'query', T['query']> & RequestPart<'body', T['body']>;

/** The path with its parameters filled in and encoded, and the query string of the parameters that are set. */
export function routeUrl(route: Route, params: unknown, query: unknown): string {
  const values = new Map(entries(params));
  const path = route.path.replace(/:(\w+)/g, (_whole, name: string) => encodeURIComponent(String(values.get(name))));
  const search = new URLSearchParams(entries(query).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]]))).toString();
  return search === '' ? path : `${path}?${search}`;
}

function entries(part: unknown): Array<[string, unknown]> {
  return typeof part === 'object' && part !== null ? Object.entries(part) : [];
}
