import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardAssets, dashboardHeaders, type DashboardAsset } from '../../../lib/platform/DashboardAssets.js';

describe('DashboardAssets', () => {
  let dir: string;
  let root: string;
  let assets: DashboardAssets;
  const text = (asset: DashboardAsset) => (asset.kind === 'file' ? asset.body.toString('utf8') : asset.kind);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-ui-'));
    root = join(dir, 'ui');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html>index');
    writeFileSync(join(root, 'assets', 'main-ABCDEF23.js'), 'js');
    writeFileSync(join(root, 'assets', 'main-ABCDEF23.css'), 'css');
    writeFileSync(join(root, 'assets', 'plain.js'), 'plain');
    writeFileSync(join(root, '.hidden'), 'hidden');
    writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    assets = new DashboardAssets(root);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html at the root and for client routes, with its content type, revalidated', async () => {
    for (const path of ['/sluice/ui/', '/sluice/ui/tasks', '/sluice/ui/tasks/abc']) {
      const asset = await assets.lookup(path);
      expect(text(asset), path).toBe('<!doctype html>index');
      expect(asset.kind === 'file' && dashboardHeaders(asset)['cache-control']).toBe('no-cache');
      expect(asset.kind === 'file' && asset.contentType).toBe('text/html; charset=utf-8');
    }
  });

  it('redirects the bare prefix to its slash (relative asset URLs need it)', async () => {
    expect(await assets.lookup('/sluice/ui')).toEqual({ kind: 'redirect', location: '/sluice/ui/' });
  });

  it('marks hashed files immutable, others not, with their content types', async () => {
    const js = await assets.lookup('/sluice/ui/assets/main-ABCDEF23.js');
    expect(js).toMatchObject({ kind: 'file', contentType: 'text/javascript; charset=utf-8', immutable: true });
    expect(js.kind === 'file' && dashboardHeaders(js)).toMatchObject({ 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    expect(await assets.lookup('/sluice/ui/assets/main-ABCDEF23.css')).toMatchObject({ contentType: 'text/css; charset=utf-8', immutable: true });
    expect(await assets.lookup('/sluice/ui/assets/plain.js')).toMatchObject({ kind: 'file', immutable: false });
  });

  it('never leaves its root', async () => {
    for (const path of ['/sluice/ui/../secret.txt', '/sluice/ui/assets/../../secret.txt', '/sluice/ui/..', '/sluice/ui/./index.html', '/sluice/ui//etc/passwd', '/sluice/ui/assets\\..\\..\\secret.txt', '/sluice/ui/.hidden', '/sluice/ui/a\0b', '/sluice/uix/index.html']) {
      expect((await assets.lookup(path)).kind, path).toBe('not-found');
    }
  });

  it('answers not-found for a missing file with an extension', async () => {
    expect((await assets.lookup('/sluice/ui/assets/missing-ABCDEF23.js')).kind).toBe('not-found');
  });

  it('answers as HTTP with the security headers on every kind of answer', async () => {
    const file = await assets.respond('/sluice/ui/assets/main-ABCDEF23.js');
    expect(file).toMatchObject({ status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' } });
    expect(Buffer.from(file.body).toString()).toBe('js');
    expect(await assets.respond('/sluice/ui')).toMatchObject({ status: 308, headers: { location: '/sluice/ui/' } });
    const missing = await assets.respond('/sluice/ui/../secret.txt');
    expect(missing.status).toBe(404);
    expect(String(missing.body)).not.toContain('TOP-SECRET-CONTENT');
    for (const answer of [file, missing, await new DashboardAssets(join(dir, 'none')).respond('/sluice/ui/')]) {
      expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('says how to build it when there is no build', async () => {
    const missing = new DashboardAssets(join(dir, 'nothing-here'));
    const asset = await missing.lookup('/sluice/ui/');
    expect(asset.kind).toBe('unbuilt');
    expect(asset.kind === 'unbuilt' && asset.message).toContain('npm run build:ui');
  });
});
