import { createRequire } from 'node:module';

/** The part of an ioredis client the coordinator uses. */
export interface RedisClient {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  time(): Promise<[string, string]>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  duplicate(): RedisClient;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'end', listener: () => void): unknown;
  removeAllListeners(): unknown;
  readonly status: string;
}

/** ioredis connection options, passed through as they are. */
export type RedisConnectionOptions = Record<string, unknown>;

/** A new ioredis client, loaded only when Redis coordination is chosen. */
export function createRedisClient(
  url: string | undefined,
  options: RedisConnectionOptions | undefined,
): RedisClient {
  const Redis = createRequire(import.meta.url)('ioredis') as {
    new (url: string, options?: RedisConnectionOptions): RedisClient;
    new (options?: RedisConnectionOptions): RedisClient;
  };
  // Commands fail at once while Redis is away, instead of queueing up behind the reconnection.
  const settings = { maxRetriesPerRequest: 1, enableOfflineQueue: false, ...options };
  return url === undefined ? new Redis(settings) : new Redis(url, settings);
}
