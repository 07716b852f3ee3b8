import { describe, expect, it } from 'vitest';
import { isAllowedNavigation, isAppUrl, isTrustedSender, type FrameLike } from '../../../src/main/electron/trust';

describe('isAppUrl: only our own pages are trusted', () => {
  it.each([
    ['app://greenlight/index.html', true],
    ['app://greenlight/', true],
    ['APP://GREENLIGHT/index.html', false], // compared exactly: Chromium hands us the canonical lowercase form
    ['app://greenlight.evil/index.html', false],
    ['app://evil.greenlight/index.html', false],
    ['app://greenlight@evil/index.html', false],
    ['app://user:pw@greenlight/index.html', false],
    ['app://greenlight:8080/index.html', false],
    ['file:///tmp/x', false],
    ['file:///opt/greenlight/out/renderer/index.html', false],
    ['http://127.0.0.1:5173/', false],
    ['https://greenlight/', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<script>1</script>', false],
    ['about:blank', false],
    ['', false],
    ['not a url', false],
  ])('%s -> %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });

  it.each([
    ['http://localhost:5173/', true],
    ['http://localhost:5173/src/main.tsx', true],
    ['http://localhost:5174/', false],
    ['http://localhost.evil:5173/', false],
    ['https://localhost:5173/', false],
  ])('with the dev server at http://localhost:5173: %s -> %s', (url, expected) => {
    expect(isAppUrl(url, { devServerUrl: 'http://localhost:5173' })).toBe(expected);
  });

  it('refuses null and undefined', () => {
    expect(isAppUrl(null)).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});

describe('isTrustedSender: IPC only from our own top-level frame', () => {
  const top: FrameLike = { url: 'app://greenlight/index.html', parent: null };
  it.each<[string, FrameLike, boolean]>([
    ['our top-level frame', top, true],
    ['a null sender frame (destroyed)', null, false],
    ['an undefined sender frame', undefined, false],
    ['a sub-frame of ours', { url: 'app://greenlight/index.html', parent: top }, false],
    ['a foreign sub-frame', { url: 'https://evil.example/', parent: top }, false],
    ['a top frame that navigated to file://', { url: 'file:///tmp/x', parent: null }, false],
    ['a look-alike host', { url: 'app://greenlight.evil/', parent: null }, false],
    ['an empty url', { url: '', parent: null }, false],
  ])('%s', (_name, frame, expected) => {
    expect(isTrustedSender(frame)).toBe(expected);
  });
});

describe('isAllowedNavigation', () => {
  it('allows our pages and refuses anything else', () => {
    expect(isAllowedNavigation('app://greenlight/index.html')).toBe(true);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd')).toBe(false);
  });
});
