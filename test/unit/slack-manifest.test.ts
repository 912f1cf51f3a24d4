import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSlackManifest } from '../../channels/slack/manifest.js';
import { REQUIRED_SCOPES, OPTIONAL_SCOPES } from '../../channels/slack/index.js';

const template = readFileSync(new URL('../../manifests/slack-app.yaml', import.meta.url), 'utf8');

/** The few YAML facts we rely on, read line by line (no YAML parser in the dependencies). */
function lines(yaml: string) {
  return yaml.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

describe('Slack app manifest', () => {
  it('asks for exactly the bot scopes the channel uses', () => {
    const all = lines(template);
    const start = all.findIndex((l, i) => l === '    bot:' && all[i - 1] === '  scopes:');
    const scopes: string[] = [];
    for (const l of all.slice(start + 1)) {
      if (!/^ {6}- /.test(l)) break;
      scopes.push(l.trim().slice(2));
    }
    expect(scopes.sort()).toEqual([...REQUIRED_SCOPES, ...OPTIONAL_SCOPES].sort());
  });

  it('fills in the interactivity and event URLs, socket mode off', () => {
    const yaml = renderSlackManifest({ url: 'https://hub.example.com/' });
    const urls = lines(yaml).filter((l) => l.includes('request_url:')).map((l) => l.trim());
    expect(urls).toEqual(['request_url: https://hub.example.com/slack/events', 'request_url: https://hub.example.com/slack/events']);
    expect(yaml).toMatch(/^\s+socket_mode_enabled: false$/m);
    expect(yaml).toMatch(/^\s+is_enabled: true$/m);
    expect(yaml).not.toContain('switchboard.example.com');
  });

  it('keeps a path prefix', () => {
    expect(renderSlackManifest({ url: 'https://corp.example.com/switchboard' })).toContain('request_url: https://corp.example.com/switchboard/slack/events');
  });

  it('with --socket-mode: no request URLs, socket mode on', () => {
    const yaml = renderSlackManifest({ url: 'http://localhost:8080', socketMode: true });
    expect(yaml).not.toContain('request_url');
    expect(yaml).toMatch(/^\s+socket_mode_enabled: true$/m);
    expect(yaml).toMatch(/^\s+interactivity:\n\s+is_enabled: true$/m);
  });

  it('refuses URLs Slack would refuse', () => {
    expect(() => renderSlackManifest({ url: 'http://hub.example.com' })).toThrow(/https/);
    expect(() => renderSlackManifest({ url: 'not a url' })).toThrow(/not a URL/);
    expect(() => renderSlackManifest({ url: 'https://hub.example.com/?x=1' })).toThrow(/query/);
  });

  it('is consistently indented YAML (two spaces, no tabs)', () => {
    for (const l of lines(template)) {
      expect(l).not.toMatch(/\t/);
      expect((/^ */.exec(l)![0].length) % 2).toBe(0);
    }
  });
});
