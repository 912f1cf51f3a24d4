import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { chooseLogFormat } from '../../src/log.js';

describe('chooseLogFormat', () => {
  it('is pretty for a terminal and JSON for anything else (pipes, files, CI)', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat(undefined, undefined)).toBe('json'); // process.stdout.isTTY on a pipe
  });

  it('lets SWITCHBOARD_LOG_FORMAT override the guess either way', () => {
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('SWITCHBOARD_LOG_FORMAT', () => {
  it('takes json or pretty; empty means unset', () => {
    expect(loadConfig({ SWITCHBOARD_LOG_FORMAT: 'pretty' }).SWITCHBOARD_LOG_FORMAT).toBe('pretty');
    expect(loadConfig({ SWITCHBOARD_LOG_FORMAT: 'json' }).SWITCHBOARD_LOG_FORMAT).toBe('json');
    expect(loadConfig({ SWITCHBOARD_LOG_FORMAT: '' }).SWITCHBOARD_LOG_FORMAT).toBeUndefined();
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ SWITCHBOARD_LOG_FORMAT: 'fancy' })).toThrow(ConfigError);
    expect(() => loadConfig({ SWITCHBOARD_LOG_FORMAT: 'fancy' })).toThrow(/SWITCHBOARD_LOG_FORMAT/);
  });
});
