// Every outgoing card is checked against the CDS Hooks 2.0 response rules and the 3.0 model invariants
// (shared/spec §2.4, §2.12) before it is sent. A card that fails is dropped and logged, or (in tests) throws.
import { INDICATORS, type Action, type Card } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const RELATIVE_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

function isAbsoluteUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Paths of null or empty ("", [], {}) members anywhere in a value (spec §2.0 item 3). */
export function emptyMembers(value: unknown, path = ''): string[] {
  if (value === null) return [path || '(root)'];
  if (typeof value === 'string') return value.length === 0 ? [path] : [];
  if (Array.isArray(value)) {
    if (value.length === 0) return [path];
    return value.flatMap((v, i) => emptyMembers(v, `${path}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [path];
    return entries.flatMap(([k, v]) => (v === undefined ? [] : emptyMembers(v, path ? `${path}.${k}` : k)));
  }
  return [];
}

function actionViolations(action: Action, where: string): string[] {
  const out: string[] = [];
  if (!['create', 'update', 'delete'].includes(action.type)) out.push(`${where}.type is not create|update|delete`);
  if (!action.description) out.push(`${where}.description is required in a suggestion (cds-resp-5)`);
  if (action.type === 'delete') {
    if (!action.resourceId || !RELATIVE_REFERENCE.test(action.resourceId)) {
      out.push(`${where}: delete needs resourceId as Type/id (cds-resp-2)`);
    }
    if (action.resource !== undefined) out.push(`${where}: delete must not carry resource (cds-resp-2)`);
  } else if (!action.resource || typeof action.resource.resourceType !== 'string') {
    out.push(`${where}: ${action.type} needs a FHIR resource`);
  }
  return out;
}

/** The rules a single card breaks; empty when it may be sent. */
export function cardViolations(card: Card): string[] {
  const out: string[] = [];
  if (!card.uuid || !UUID.test(card.uuid)) out.push('uuid must be a UUID');
  if (typeof card.summary !== 'string' || card.summary.trim().length === 0) out.push('summary is required');
  else if ([...card.summary].length >= 140) out.push('summary must be under 140 characters');
  if (!INDICATORS.includes(card.indicator)) out.push('indicator must be info|warning|critical');
  if (!card.source || typeof card.source.label !== 'string' || !card.source.label) out.push('source.label is required');
  if (card.source?.url !== undefined && !isAbsoluteUrl(card.source.url)) out.push('source.url must be an absolute URL');
  if (card.source?.icon !== undefined && !isAbsoluteUrl(card.source.icon)) out.push('source.icon must be an absolute URL');
  if (card.source?.topic && (!card.source.topic.system || !card.source.topic.code)) out.push('source.topic needs system and code');

  const suggestions = card.suggestions ?? [];
  if (suggestions.length > 0 && !card.selectionBehavior) out.push('selectionBehavior is required with suggestions (cds-resp-6)');
  if (card.selectionBehavior && !['at-most-one', 'any'].includes(card.selectionBehavior)) {
    out.push('selectionBehavior must be at-most-one|any');
  }
  if (card.selectionBehavior === 'at-most-one' && suggestions.filter((s) => s.isRecommended).length > 1) {
    out.push('at most one suggestion may be recommended with at-most-one (cds-resp-1)');
  }
  suggestions.forEach((s, i) => {
    if (!s.label) out.push(`suggestions[${i}].label is required`);
    if (!s.uuid || !UUID.test(s.uuid)) out.push(`suggestions[${i}].uuid must be a UUID`);
    (s.actions ?? []).forEach((a, j) => out.push(...actionViolations(a, `suggestions[${i}].actions[${j}]`)));
  });
  (card.overrideReasons ?? []).forEach((r, i) => {
    if (!r.system || !r.code || !r.display) out.push(`overrideReasons[${i}] needs system, code and display (cds-resp-4)`);
  });
  (card.links ?? []).forEach((l, i) => {
    if (!l.label || !l.url || !isAbsoluteUrl(l.url)) out.push(`links[${i}] needs a label and an absolute url`);
    if (l.type !== 'absolute' && l.type !== 'smart') out.push(`links[${i}].type must be absolute|smart`);
    if (l.type !== 'smart' && l.appContext !== undefined) out.push(`links[${i}].appContext only for smart links (cds-resp-3)`);
  });
  for (const path of emptyMembers(card)) out.push(`${path} is null or empty: omit it instead`);
  return out;
}

export class ResponseContractError extends Error {
  override name = 'ResponseContractError';
  constructor(readonly violations: string[]) {
    super(`response contract violated: ${violations.join('; ')}`);
  }
}

export interface ContractResult {
  cards: Card[];
  dropped: Array<{ index: number; violations: string[] }>;
}

/** Keeps the cards that pass; in `throw` mode any violation throws ResponseContractError. */
export function enforceContract(cards: Card[], mode: 'drop' | 'throw'): ContractResult {
  const kept: Card[] = [];
  const dropped: ContractResult['dropped'] = [];
  cards.forEach((card, index) => {
    const violations = cardViolations(card);
    if (violations.length === 0) kept.push(card);
    else dropped.push({ index, violations });
  });
  if (mode === 'throw' && dropped.length > 0) throw new ResponseContractError(dropped.flatMap((d) => d.violations));
  return { cards: kept, dropped };
}
