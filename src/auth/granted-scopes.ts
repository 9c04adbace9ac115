// What a SMART scope string (fhirAuthorization.scope, or a backend token's granted scope) allows us to read.
// Both syntaxes are parsed: v1 `user/Observation.read`, `patient/*.read`, `system/*.*`, `.write`; v2
// `system/Observation.rs`, `.cruds`, `patient/Observation.rs?category=…`. Only read and search matter here.
// Never throws: unknown or garbled tokens are ignored (and counted).

export type ScopeContext = 'patient' | 'user' | 'system';
export type Interaction = 'read' | 'search';

export interface ScopeRule {
  context: ScopeContext;
  /** A FHIR resource type, or '*' for all. */
  resourceType: string;
  read: boolean;
  search: boolean;
  /** v2 search-parameter constraints (`?category=…`): every one must be in a search's query. Empty: none. */
  constraints: Array<[name: string, value: string]>;
  syntax: 'v1' | 'v2';
}

export interface Grant {
  rules: ScopeRule[];
  /** fhirAuthorization.patient, when given: `patient/` rules apply only to this patient. */
  patientId?: string;
  /** `patient/` rules were granted without a patient id (cds-r-2); they are treated as allowing. Worth a log line. */
  patientScopesWithoutPatient: boolean;
  /** Tokens that were neither a resource scope nor a known non-resource scope (openid, launch, …). */
  ignoredTokens: number;
}

const NON_RESOURCE = /^(openid|profile|fhirUser|online_access|offline_access|launch(\/.*)?)$/;
const RESOURCE_TYPE = /^(\*|[A-Z][A-Za-z]{0,63})$/;
// v2 permissions: a non-empty in-order subset of c r u d s.
const V2_PERMISSIONS = /^c?r?u?d?s?$/;

function parseToken(token: string): ScopeRule | undefined {
  const slash = token.indexOf('/');
  if (slash < 0) return undefined;
  const context = token.slice(0, slash);
  if (context !== 'patient' && context !== 'user' && context !== 'system') return undefined;
  const rest = token.slice(slash + 1);
  const question = rest.indexOf('?');
  const head = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? undefined : rest.slice(question + 1);
  const dot = head.lastIndexOf('.');
  if (dot < 0) return undefined;
  const resourceType = head.slice(0, dot);
  const permissions = head.slice(dot + 1);
  if (!RESOURCE_TYPE.test(resourceType) || permissions.length === 0) return undefined;

  if (permissions === 'read' || permissions === 'write' || permissions === '*') {
    if (query !== undefined) return undefined; // constraints are v2 only
    const reads = permissions !== 'write';
    return { context, resourceType, read: reads, search: reads, constraints: [], syntax: 'v1' };
  }
  if (!V2_PERMISSIONS.test(permissions)) return undefined;
  const constraints: Array<[string, string]> = [];
  if (query !== undefined) {
    // name=value pairs joined by &, form-encoded; a pair without a name or value, or bad %-encoding, is garbled.
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1) return undefined;
      try {
        const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
        constraints.push([decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))]);
      } catch {
        return undefined;
      }
    }
  }
  return {
    context,
    resourceType,
    read: permissions.includes('r'),
    search: permissions.includes('s'),
    constraints,
    syntax: 'v2',
  };
}

/** Parses a space-separated scope string. `patientId` is fhirAuthorization.patient. Never throws. */
export function parseScopes(scope: string, patientId?: string): Grant {
  const rules: ScopeRule[] = [];
  let ignoredTokens = 0;
  const tokens = typeof scope === 'string' ? scope.split(/\s+/).filter((t) => t.length > 0) : [];
  for (const token of tokens) {
    if (NON_RESOURCE.test(token)) continue;
    const rule = parseToken(token);
    if (rule) rules.push(rule);
    else ignoredTokens += 1;
  }
  const hasPatient = typeof patientId === 'string' && patientId.length > 0;
  const grant: Grant = {
    rules,
    patientScopesWithoutPatient: !hasPatient && rules.some((r) => r.context === 'patient'),
    ignoredTokens,
  };
  if (hasPatient) grant.patientId = patientId;
  return grant;
}

function constraintsMet(rule: ScopeRule, interaction: Interaction, query: URLSearchParams | undefined): boolean {
  if (rule.constraints.length === 0) return true;
  // A read by id cannot show that the resource meets the constraint, nor can a search without the parameter.
  if (interaction !== 'search' || !query) return false;
  return rule.constraints.every(([name, value]) => query.getAll(name).includes(value));
}

/**
 * Whether the grant allows `interaction` on `resourceType`. `patient/` rules apply only when the grant has no
 * patient id (see patientScopesWithoutPatient) or its patient id equals `patientContext.patientId`.
 * A constrained v2 rule allows only a search whose `query` carries every constraint with an equal value.
 */
export function allows(
  grant: Grant,
  resourceType: string,
  interaction: Interaction,
  patientContext?: { patientId: string },
  query?: URLSearchParams,
): boolean {
  return grant.rules.some((rule) => {
    if (rule.resourceType !== '*' && rule.resourceType !== resourceType) return false;
    if (interaction === 'read' ? !rule.read : !rule.search) return false;
    if (rule.context === 'patient' && grant.patientId !== undefined && grant.patientId !== patientContext?.patientId) {
      return false;
    }
    return constraintsMet(rule, interaction, query);
  });
}

/**
 * A short, id-free description of what the grant allows to read, for log and diagnostic lines: one entry per
 * context and resource type, e.g. `system/Observation.rs`, `patient/*.r`, `user/Observation.s?category`
 * (constraint names only, never their values). Rules that allow neither read nor search are left out.
 */
export function describeGrant(grant: Grant): string[] {
  const entries = new Set<string>();
  for (const rule of grant.rules) {
    if (!rule.read && !rule.search) continue;
    const names = [...new Set(rule.constraints.map(([name]) => name))];
    entries.add(
      `${rule.context}/${rule.resourceType}.${rule.read ? 'r' : ''}${rule.search ? 's' : ''}${names.length ? `?${names.join('&')}` : ''}`,
    );
  }
  return [...entries].sort();
}
