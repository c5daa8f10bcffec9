/**
 * What the admin layer reads of an HTTP request, on Express and Fastify
 * alike: headers, the peer address of the socket, the method and the path.
 */
export interface AdminRequest {
  method?: string;
  url?: string;
  /** Express: the URL before any router rewrote it. */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Express (and Node's IncomingMessage). */
  socket?: { remoteAddress?: string };
  /** Fastify: the underlying IncomingMessage. */
  raw?: { socket?: { remoteAddress?: string } };
}

/** A header's single value (the first, if sent more than once), or undefined. */
export function header(request: AdminRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The address of the TCP peer: the caller itself, or the nearest proxy. */
export function peerAddress(request: AdminRequest): string | undefined {
  return request.raw?.socket?.remoteAddress ?? request.socket?.remoteAddress;
}

/** The path the caller asked for, without the query string. */
export function requestPath(request: AdminRequest): string {
  const url = request.originalUrl ?? request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
