import { describe, expect, it } from '@jest/globals';
import { DashboardAssets, escapeAttribute } from '../../../lib/admin/dashboard-assets.js';

describe('DashboardAssets', () => {
  const assets = new DashboardAssets();

  it('serves the scripts and the style sheet beside it, with their content types', async () => {
    const script = await assets.get('dashboard.js');
    expect(script?.contentType).toBe('text/javascript; charset=utf-8');
    expect(script?.body.length).toBeGreaterThan(100);
    expect((await assets.get('dashboard.css'))?.contentType).toBe('text/css; charset=utf-8');
  });

  it.each([
    'nope.js',
    'dashboard.html',
    '../admin-options.ts',
    '..%2Fadmin-options.ts',
    '.hidden.js',
    'dashboard.js/',
    'DASHBOARD.JS',
    '',
  ])('serves nothing else: %j', async (name) => {
    expect(await assets.get(name)).toBeNull();
  });

  it('fills in the prefix of the page, escaped', async () => {
    const page = await assets.page('/a"b<c>');
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('/a&#34;b&#60;c&#62;/assets/dashboard.js');
    expect(page.body).not.toContain('%PREFIX%');
    expect(escapeAttribute(`&'\``)).toBe('&#38;&#39;&#96;');
  });
});
