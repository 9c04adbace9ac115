// Prefetch templates (CDS Hooks 2.0, Prefetch Template): compiled once at start, rendered per request against the context.
// Tokens: {{context.X}} for the hook's prefetch-token fields, the four {{user*Id}} tokens, and the CDS Hooks
// 3.0 subset a service needs: {{today()}}, {{today() ± N days}}, and paths into complex context such as
// {{context.draftOrders.entry.resource.ofType(MedicationRequest).medication.resolve().id}} (comma-joined).
// Every substituted value is URL-encoded. An unknown token is a start-up error.

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** What a hook's context offers to templates: primitive token fields and complex (path-only) fields. */
export interface TokenFields {
  primitive: readonly string[];
  complex: readonly string[];
  /** Prefetch keys declared before this one, usable as {{%key.path}} (CDS Hooks 3.0 prior-prefetch variables). */
  prior?: readonly string[];
}

type PathStep = { kind: 'field'; name: string } | { kind: 'ofType'; type: string } | { kind: 'resolve' };

type Token =
  | { kind: 'context'; field: string }
  | { kind: 'user'; resourceType: 'Practitioner' | 'PractitionerRole' | 'Patient' | 'RelatedPerson' }
  | { kind: 'today'; offsetDays: number }
  | { kind: 'path'; field: string; steps: PathStep[] }
  | { kind: 'prior'; key: string; steps: PathStep[] };

type Part = { literal: string } | { token: Token };

export interface CompiledTemplate {
  source: string;
  /** The resource type read, when the template names it literally (Patient/{{…}}, Observation?…). */
  resourceType?: string;
  interaction: 'read' | 'search';
  parts: Part[];
  /** Prefetch keys this template reads through {{%key…}}: it is rendered after they are gathered. */
  dependsOn: string[];
}

export type Rendered = { ok: true; url: string } | { ok: false; reason: string };

const USER_TOKENS = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
} as const;

const TODAY = /^today\(\)(?:\s*([+-])\s*(\d{1,5})\s*days?)?$/;
const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;

function parsePath(expr: string, key: string): PathStep[] {
  const steps: PathStep[] = [];
  for (const raw of expr.split('.')) {
    const seg = raw.trim();
    const ofType = /^ofType\(([A-Z][A-Za-z]+)\)$/.exec(seg);
    if (ofType) steps.push({ kind: 'ofType', type: ofType[1]! });
    else if (seg === 'resolve()') steps.push({ kind: 'resolve' });
    else if (IDENT.test(seg)) steps.push({ kind: 'field', name: seg });
    else throw new TemplateError(`prefetch key "${key}": unsupported path step "${seg}"`);
  }
  return steps;
}

function parseToken(expr: string, key: string, fields: TokenFields): Token {
  const e = expr.trim();
  if (e in USER_TOKENS) return { kind: 'user', resourceType: USER_TOKENS[e as keyof typeof USER_TOKENS] };
  const today = TODAY.exec(e);
  if (today) {
    const n = today[2] ? Number(today[2]) : 0;
    return { kind: 'today', offsetDays: today[1] === '-' ? -n : n };
  }
  if (e.startsWith('%')) {
    const [prior, ...rest] = e.slice(1).split('.');
    if (prior && fields.prior?.includes(prior) && rest.length > 0) return { kind: 'prior', key: prior, steps: parsePath(rest.join('.'), key) };
    throw new TemplateError(`prefetch key "${key}": {{${e}}} must name a prefetch key declared before it, with a path`);
  }
  if (e.startsWith('context.')) {
    const [field, ...rest] = e.slice('context.'.length).split('.');
    if (field && rest.length === 0 && fields.primitive.includes(field)) return { kind: 'context', field };
    if (field && rest.length > 0 && fields.complex.includes(field)) {
      return { kind: 'path', field, steps: parsePath(rest.join('.'), key) };
    }
    if (field && fields.complex.includes(field)) {
      throw new TemplateError(`prefetch key "${key}": {{context.${field}}} is not a prefetch token; use a path into it`);
    }
  }
  throw new TemplateError(`prefetch key "${key}": unknown token {{${e}}}`);
}

export function compileTemplate(key: string, source: string, fields: TokenFields): CompiledTemplate {
  const parts: Part[] = [];
  const re = /\{\{([^{}]*)\}\}/g;
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    if (m.index > last) parts.push({ literal: source.slice(last, m.index) });
    parts.push({ token: parseToken(m[1]!, key, fields) });
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  if (parts.some((p) => 'literal' in p && /\{\{|\}\}/.test(p.literal))) {
    throw new TemplateError(`prefetch key "${key}": unbalanced {{ }} in template`);
  }
  const head = /^([A-Z][A-Za-z]+)([/?]|$)/.exec(source);
  const dependsOn = [...new Set(parts.flatMap((p) => ('token' in p && p.token.kind === 'prior' ? [p.token.key] : [])))];
  const compiled: CompiledTemplate = {
    source,
    interaction: head && head[2] === '/' ? 'read' : 'search',
    parts,
    dependsOn,
  };
  if (head) compiled.resourceType = head[1]!;
  return compiled;
}

// ---- rendering -------------------------------------------------------------------------------------------

function isoDay(now: Date, offsetDays: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offsetDays));
  return d.toISOString().slice(0, 10);
}

/** A reference string such as Medication/123 or https://x/fhir/Medication/123 as a {resourceType,id} stub. */
function resolveReference(ref: unknown): Record<string, unknown> | undefined {
  const reference = typeof ref === 'object' && ref !== null ? (ref as { reference?: unknown }).reference : undefined;
  if (typeof reference !== 'string') return undefined;
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m ? { resourceType: m[1], id: m[2] } : undefined;
}

function childValues(item: unknown, name: string): unknown[] {
  if (typeof item !== 'object' || item === null) return [];
  const obj = item as Record<string, unknown>;
  let value = obj[name];
  if (value === undefined) {
    // FHIR choice types: `medication` reads medicationReference / medicationCodeableConcept.
    const choice = Object.keys(obj).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
    value = choice ? obj[choice] : undefined;
  }
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function evaluatePath(root: unknown, steps: PathStep[]): string[] {
  let items: unknown[] = root === undefined || root === null ? [] : [root];
  for (const step of steps) {
    if (step.kind === 'field') items = items.flatMap((i) => childValues(i, step.name));
    else if (step.kind === 'ofType') {
      items = items.filter((i) => typeof i === 'object' && i !== null && (i as { resourceType?: unknown }).resourceType === step.type);
    } else items = items.map(resolveReference).filter((r) => r !== undefined);
  }
  const values = items
    .filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map(String)
    .filter((v) => v.length > 0);
  return [...new Set(values)];
}

export function renderTemplate(
  template: CompiledTemplate,
  context: Record<string, unknown>,
  now: Date,
  prior: Record<string, unknown> = {},
): Rendered {
  let url = '';
  for (const part of template.parts) {
    if ('literal' in part) {
      url += part.literal;
      continue;
    }
    const t = part.token;
    let values: string[];
    if (t.kind === 'context') {
      const v = context[t.field];
      values = typeof v === 'string' && v.length > 0 ? [v] : [];
    } else if (t.kind === 'user') {
      const userId = context.userId;
      const m = typeof userId === 'string' ? /^([A-Za-z]+)\/(.+)$/.exec(userId) : null;
      values = m && m[1] === t.resourceType ? [m[2]!] : [];
    } else if (t.kind === 'today') {
      values = [isoDay(now, t.offsetDays)];
    } else if (t.kind === 'prior') {
      values = evaluatePath(prior[t.key], t.steps);
    } else {
      values = evaluatePath(context[t.field], t.steps);
    }
    if (values.length === 0) return { ok: false, reason: 'a token has no value in this context' };
    url += values.map((v) => encodeURIComponent(v)).join(',');
  }
  return { ok: true, url };
}
