import { readFile } from 'node:fs/promises';

/** A file of the dashboard, as served. */
export interface DashboardAsset {
  body: string;
  contentType: string;
}

const FILES = {
  'dashboard.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

export type DashboardFile = keyof typeof FILES;

/** Where the page says its own URL prefix is: the API base the script calls. */
const PREFIX_PLACEHOLDER = /%PREFIX%/g;

/**
 * The dashboard's files, read once from beside this module (they ship with
 * the package) and kept in memory. The page is self-contained: its script
 * and style are these files, so the Content-Security-Policy needs no
 * 'unsafe-inline'.
 */
export class DashboardAssets {
  private readonly files = new Map<DashboardFile, Promise<string>>();

  async get(file: DashboardFile): Promise<DashboardAsset> {
    let body = this.files.get(file);
    if (body === undefined) {
      body = readFile(new URL(`./assets/${file}`, import.meta.url), 'utf8');
      this.files.set(file, body);
      body.catch(() => this.files.delete(file)); // a failed read is tried again next time
    }
    return { body: await body, contentType: FILES[file] };
  }

  /** The page, its links pointing under `prefix` (the path it was asked for). */
  async page(prefix: string): Promise<DashboardAsset> {
    const { body, contentType } = await this.get('dashboard.html');
    return { body: body.replace(PREFIX_PLACEHOLDER, escapeAttribute(prefix)), contentType };
  }
}

/** Escapes text for an HTML attribute value or text node. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}
