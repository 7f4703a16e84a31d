/**
 * Who may do what (issue 23): the one home of the access rules. The API's route table (services/api
 * access-rules.ts) names, per operation, the access it needs and the kind of object its path names; these
 * functions decide from a key's role and project. Its authorization matrix test reads the same two.
 */

export const roles = ['read', 'write', 'admin'] as const;
export type Role = (typeof roles)[number];

/**
 * What an operation needs: `open` (health, readiness, metrics: no key ever), `read` (any key), `write`
 * (create, change, delete), `admin` (manage its project's keys, read its audit log), `global` (a global
 * admin: every project's keys and limits).
 */
export type Access = 'open' | 'read' | 'write' | 'admin' | 'global';

/** The project of API_KEYS's keys' creations and of everything stored before projects existed. */
export const DEFAULT_PROJECT = 'default';

/** Project names: what a URL, a log line and a shell take without quoting. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The caller of a request. `project: null` is a global admin (a key of API_KEYS): it sees every project. `keyId: null` with `open: true` is open mode (no key exists anywhere).
 */
export interface Principal {
  keyId: string | null;
  role: Role;
  project: string | null;
  open?: boolean;
}

/** Open mode: no key in the environment, none stored; everything is allowed, as before projects. */
export const OPEN_PRINCIPAL: Principal = { keyId: null, role: 'admin', project: null, open: true };

const rank: Record<Role, number> = { read: 0, write: 1, admin: 2 };

/** Whether the principal's role covers `access` (its project is checked apart: `sees`). */
export function allows(principal: Principal | undefined, access: Access): boolean {
  if (access === 'open') return true;
  if (principal === undefined) return false;
  if (access === 'global') return principal.role === 'admin' && principal.project === null;
  return rank[principal.role] >= rank[access];
}

/** Whether the principal sees what belongs to `project` (another project's objects are a 404, never a 403). */
export const sees = (principal: Principal, project: string): boolean =>
  principal.project === null || principal.project === project;

/** The projects a list shows the principal: null for all of them. */
export const visibleProject = (principal: Principal): string | null => principal.project;

/** Where what the principal creates goes: its project, `default` for a global admin. */
export const creationProject = (principal: Principal): string => principal.project ?? DEFAULT_PROJECT;

/** Whether the principal may create, list or revoke keys of `project` (null: global keys). */
export const managesKeysOf = (principal: Principal, project: string | null): boolean =>
  principal.role === 'admin' && (principal.project === null || principal.project === project);

/** `hs_<8 id characters>_<secret>`: the id finds the stored key; the whole key is hashed and compared. */
export const API_KEY_FORMAT = /^hs_([a-z0-9]{8})_([A-Za-z0-9_-]{32,128})$/;

/** The id part of a key in the stored format, or null for anything else (a key of API_KEYS, a typo). */
export function apiKeyId(key: string): string | null {
  return API_KEY_FORMAT.exec(key)?.[1] ?? null;
}
