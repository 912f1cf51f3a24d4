import { describe, expect, it } from 'vitest';
import { crossSiteReason } from '../../channels/web/csrf.js';

const HUB = 'https://hub.example.com';

describe('crossSiteReason', () => {
  it('lets a browser\'s own form post through (no-referrer makes its Origin "null")', () => {
    expect(crossSiteReason({ origin: 'null', 'sec-fetch-site': 'same-origin' }, HUB)).toBeUndefined();
    expect(crossSiteReason({ origin: HUB, 'sec-fetch-site': 'same-origin' }, HUB)).toBeUndefined();
  });

  it('lets clients that are not browsers through (the form token still applies)', () => {
    expect(crossSiteReason({ 'user-agent': 'curl/8.5.0' }, HUB)).toBeUndefined();
    expect(crossSiteReason({ origin: HUB }, HUB)).toBeUndefined();
  });

  it('refuses anything a browser marks as not same-origin', () => {
    for (const site of ['cross-site', 'same-site', 'none']) {
      expect(crossSiteReason({ origin: 'null', 'sec-fetch-site': site }, HUB)).toBe(`Sec-Fetch-Site is ${site}`);
    }
  });

  it('refuses a foreign Origin, also without Sec-Fetch-Site', () => {
    expect(crossSiteReason({ origin: 'http://evil.example' }, HUB)).toBe(`Origin http://evil.example is not ${HUB}`);
    expect(crossSiteReason({ origin: 'http://hub.example.com' }, HUB)).toBeDefined();
    expect(crossSiteReason({ origin: 'https://hub.example.com:8443', 'sec-fetch-site': 'same-origin' }, HUB)).toBeDefined();
  });
});
