import { describe, expect, it } from 'vitest';
import {
  allows,
  apiKeyId,
  creationProject,
  managesKeysOf,
  OPEN_PRINCIPAL,
  type Principal,
  sees,
} from '../src/access.js';

const key = (role: Principal['role'], project: string | null): Principal => ({ keyId: 'k', role, project });

describe('who may do what', () => {
  it('orders the roles: read < write < admin; global is a global admin only; open needs nothing', () => {
    expect(allows(undefined, 'open')).toBe(true);
    expect(allows(undefined, 'read')).toBe(false);
    expect(allows(key('read', 'a'), 'read')).toBe(true);
    expect(allows(key('read', 'a'), 'write')).toBe(false);
    expect(allows(key('write', 'a'), 'write')).toBe(true);
    expect(allows(key('write', 'a'), 'admin')).toBe(false);
    expect(allows(key('admin', 'a'), 'admin')).toBe(true);
    expect(allows(key('admin', 'a'), 'global')).toBe(false);
    expect(allows(key('admin', null), 'global')).toBe(true);
    expect(allows(OPEN_PRINCIPAL, 'global')).toBe(true);
  });

  it("a key sees and manages its project's, a global admin every project's; creations go to default", () => {
    expect(sees(key('read', 'a'), 'a')).toBe(true);
    expect(sees(key('admin', 'a'), 'b')).toBe(false);
    expect(sees(key('admin', null), 'b')).toBe(true);
    expect(managesKeysOf(key('admin', 'a'), 'a')).toBe(true);
    expect(managesKeysOf(key('admin', 'a'), 'b')).toBe(false);
    expect(managesKeysOf(key('write', 'a'), 'a')).toBe(false);
    expect(managesKeysOf(key('admin', null), null)).toBe(true);
    expect(creationProject(key('write', 'a'))).toBe('a');
    expect(creationProject(key('admin', null))).toBe('default');
  });

  it('reads the id of a key in the stored format, nothing else', () => {
    expect(apiKeyId(`hs_abcd1234_${'x'.repeat(43)}`)).toBe('abcd1234');
    expect(apiKeyId('hs_abcd1234_short')).toBeNull();
    expect(apiKeyId('some-env-key')).toBeNull();
  });
});
