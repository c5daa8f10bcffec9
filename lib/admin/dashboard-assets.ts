import { readdir, readFile } from 'node:fs/promises';

/** A file of the dashboard, as served. */
export interface DashboardAsset {
  body: string;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The names a served file may have: no path, no dot files, a known type. */
const SERVED_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css)$/;
const PAGE = 'dashboard.html';

/** Where the page says its own URL prefix is: the API base the script calls. */
const PREFIX_PLACEHOLDER = /%PREFIX%/g;

/**
 * The dashboard's files, read from beside this module (they ship with the
 * package) and kept in memory. The page is self-contained: its script
 * modules and style are these files, so the Content-Security-Policy needs
 * no 'unsafe-inline'. Only the files found in that folder are served, by
 * exact name, so a request cannot reach anything else on the disk.
 */
export class DashboardAssets {
  private readonly directory = new URL('./assets/', import.meta.url);
  private served: Promise<ReadonlySet<string>> | null = null;
  private readonly files = new Map<string, Promise<string>>();

  /** A script or style of the page, or null when there is no such file. */
  async get(name: string): Promise<DashboardAsset | null> {
    if (!SERVED_NAME.test(name) || !(await this.servedNames()).has(name)) return null;
    return { body: await this.read(name), contentType: contentTypeOf(name) };
  }

  /** The page, its links pointing under `prefix` (the path it was asked for). */
  async page(prefix: string): Promise<DashboardAsset> {
    const body = await this.read(PAGE);
    return {
      body: body.replace(PREFIX_PLACEHOLDER, escapeAttribute(prefix)),
      contentType: contentTypeOf(PAGE),
    };
  }

  private servedNames(): Promise<ReadonlySet<string>> {
    this.served ??= readdir(this.directory).then(
      (names) => new Set(names.filter((name) => SERVED_NAME.test(name))),
    );
    return this.served;
  }

  private read(name: string): Promise<string> {
    let body = this.files.get(name);
    if (body === undefined) {
      body = readFile(new URL(name, this.directory), 'utf8');
      this.files.set(name, body);
      body.catch(() => this.files.delete(name)); // a failed read is tried again next time
    }
    return body;
  }
}

function contentTypeOf(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)]!;
}

/** Escapes text for an HTML attribute value or text node. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}
