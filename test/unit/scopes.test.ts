import { describe, expect, it } from 'vitest';
import { parseScopes, ScopeError, SCOPES } from '../../src/domain/scopes.js';

describe('parseScopes', () => {
  it('parses a comma list in a fixed order, dropping spaces and repeats', () => {
    expect(parseScopes('responses:write,requests:read')).toEqual(['requests:read', 'responses:write']);
    expect(parseScopes(' admin , admin,requests:write ')).toEqual(['requests:write', 'admin']);
    expect(parseScopes(SCOPES.join(','))).toEqual([...SCOPES]);
  });

  it('names every unknown scope and lists the known ones', () => {
    expect(() => parseScopes('requests:read,request:write,root')).toThrow(ScopeError);
    expect(() => parseScopes('requests:read,request:write,root')).toThrow(
      'unknown scopes "request:write", "root"; choose from requests:read, requests:write, responses:write, admin',
    );
    expect(() => parseScopes('Admin')).toThrow('unknown scope "Admin"');
  });

  it('refuses an empty list', () => {
    expect(() => parseScopes('')).toThrow('no scopes given');
    expect(() => parseScopes(' , ')).toThrow('no scopes given');
  });
});
