// Every outgoing card is checked against the CDS Hooks 2.0 response rules and the 3.0 model invariants
// (CDS Hooks 2.0, CDS Service Response: Card, Suggestion, Action) before it is sent. A suggestion that fails (its resource id comes from the EHR's
// drafts: spaces, lone surrogates, over 64 characters) is dropped and the card is kept without it, in every mode.
// A card that fails is dropped and logged, or (in tests) throws. Nothing is dropped silently: an error line and
// hookwise_contract_dropped_total{part, indicator}, with a line of its own when a critical card is lost.
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { INDICATORS, type Action, type Card, type Suggestion } from './types.js';
import { SUMMARY_MAX } from '../cds-hooks.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const RELATIVE_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * A URL that WHATWG URL surely parses as http(s): a host of ASCII labels whose last starts with a letter (never read
 * as an IPv4 address), no port or credentials, then anything printable after a /, ? or #. Knowledge links all look
 * like this; any other string is parsed.
 */
const PLAIN_HTTP_URL =
  /^https?:\/\/(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)*[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:[/?#][\x21-\x7e]*)?$/i;

function isAbsoluteUrl(v: string): boolean {
  if (typeof v === 'string' && PLAIN_HTTP_URL.test(v)) return true;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Whether a value has a null or empty ("", [], {}) member anywhere: the same walk as emptyMembers without building a
 * path for every member (a card listing 1 000 orders has tens of thousands), which is what costs.
 */
function hasEmptyMember(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value === 'string') return value.length === 0;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    if (value.length === 0) return true;
    for (const v of value) if (hasEmptyMember(v)) return true;
    return false;
  }
  let members = 0;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    members++;
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined && hasEmptyMember(v)) return true;
  }
  return members === 0;
}

/** Paths of null or empty ("", [], {}) members anywhere in a value (spec §2.0 item 3). */
export function emptyMembers(value: unknown, path = ''): string[] {
  if (path === '' && !hasEmptyMember(value)) return [];
  return emptyPaths(value, path);
}

function emptyPaths(value: unknown, path: string): string[] {
  if (value === null) return [path || '(root)'];
  if (typeof value === 'string') return value.length === 0 ? [path] : [];
  if (Array.isArray(value)) {
    if (value.length === 0) return [path];
    return value.flatMap((v, i) => emptyPaths(v, `${path}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [path];
    return entries.flatMap(([k, v]) => (v === undefined ? [] : emptyPaths(v, path ? `${path}.${k}` : k)));
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
  } else if (
    action.resource.id !== undefined &&
    (typeof action.resource.id !== 'string' || !FHIR_ID.test(action.resource.id))
  ) {
    out.push(`${where}.resource.id must be a FHIR id`);
  }
  return out;
}

/** actionViolations(action) is empty: the same checks, without building a message. */
function actionOk(action: Action): boolean {
  if (action.type !== 'create' && action.type !== 'update' && action.type !== 'delete') return false;
  if (!action.description) return false;
  if (action.type === 'delete')
    return !!action.resourceId && RELATIVE_REFERENCE.test(action.resourceId) && action.resource === undefined;
  if (!action.resource || typeof action.resource.resourceType !== 'string') return false;
  const id: unknown = action.resource.id;
  return id === undefined || (typeof id === 'string' && FHIR_ID.test(id));
}

/**
 * suggestionViolations(s) is empty: the same checks without building a message or a path for every member. A card
 * listing 1 000 orders carries thousands of suggestions; the messages are built only for one that fails.
 */
function suggestionOk(s: Suggestion): boolean {
  if (!s.label || !s.uuid || !UUID.test(s.uuid)) return false;
  if (s.actions) for (const a of s.actions) if (!actionOk(a)) return false;
  return !hasEmptyMember(s);
}

/** The rules one suggestion breaks on its own (its label, uuid and actions); empty when it may be sent. */
export function suggestionViolations(s: Suggestion, where: string): string[] {
  const out: string[] = [];
  if (!s.label) out.push(`${where}.label is required`);
  if (!s.uuid || !UUID.test(s.uuid)) out.push(`${where}.uuid must be a UUID`);
  (s.actions ?? []).forEach((a, j) => out.push(...actionViolations(a, `${where}.actions[${j}]`)));
  for (const path of emptyMembers(s)) out.push(`${where}${path ? `.${path}` : ''} is null or empty: omit it instead`);
  return out;
}

/** Whether a string has more than `max` code points (what `[...s].length > max` says, without the array). */
function codePointsOver(s: string, max: number): boolean {
  if (s.length <= max) return false;
  let n = 0;
  for (const _ of s) if (++n > max) return true;
  return false;
}

/**
 * hasEmptyMember(card), where the suggestions (all checked already) count as a member but are not walked: what the
 * walk of `{ ...card, suggestions: undefined }` answers, without the copy.
 */
function hasEmptyMemberBesideSuggestions(card: Card): boolean {
  let members = 0;
  for (const k in card) {
    if (!Object.prototype.hasOwnProperty.call(card, k)) continue;
    members++;
    if (k === 'suggestions') continue;
    const v = (card as unknown as Record<string, unknown>)[k];
    if (v !== undefined && hasEmptyMember(v)) return true;
  }
  return members === 0;
}

/**
 * violationsOf(card, passed) is empty: the same checks in the same terms, without building a message. Every card
 * passes them unless a rule has a bug, so the messages are built only for one that fails.
 */
function cardOk(card: Card, passed: ReadonlySet<Suggestion>): boolean {
  if (!card.uuid || !UUID.test(card.uuid)) return false;
  if (typeof card.summary !== 'string' || card.summary.trim().length === 0) return false;
  if (codePointsOver(card.summary, SUMMARY_MAX) || !INDICATORS.includes(card.indicator)) return false;
  const { source } = card;
  if (!source || typeof source.label !== 'string' || !source.label) return false;
  if (source.url !== undefined && !isAbsoluteUrl(source.url)) return false;
  if (source.icon !== undefined && !isAbsoluteUrl(source.icon)) return false;
  if (source.topic && (!source.topic.system || !source.topic.code)) return false;
  const suggestions = card.suggestions ?? [];
  if (suggestions.length > 0 && !card.selectionBehavior) return false;
  if (card.selectionBehavior && card.selectionBehavior !== 'at-most-one' && card.selectionBehavior !== 'any')
    return false;
  let recommended = 0;
  let allPassed = true;
  for (const s of suggestions) {
    if (s.isRecommended) recommended++;
    if (passed.has(s)) continue;
    allPassed = false;
    // One that fails suggestionOk has a message of its own or an empty member the walk below would name.
    if (!suggestionOk(s)) return false;
  }
  if (card.selectionBehavior === 'at-most-one' && recommended > 1) return false;
  for (const r of card.overrideReasons ?? []) if (!r.system || !r.code || !r.display) return false;
  for (const l of card.links ?? []) {
    if (!l.label || !l.url || !isAbsoluteUrl(l.url)) return false;
    if (l.type !== 'absolute' && l.type !== 'smart') return false;
    if (l.type !== 'smart' && l.appContext !== undefined) return false;
  }
  const skipSuggestions = passed.size > 0 && suggestions.length > 0 && allPassed;
  return skipSuggestions ? !hasEmptyMemberBesideSuggestions(card) : !hasEmptyMember(card);
}

/** The rules a single card breaks; empty when it may be sent. */
export function cardViolations(card: Card): string[] {
  return violationsOf(card, new Set());
}

/**
 * cardViolations, told which suggestions already passed suggestionOk (enforceContract has checked each one while
 * trimming): those are not checked or walked again. The messages are the same: a suggestion that passed adds none.
 */
function violationsOf(card: Card, passed: ReadonlySet<Suggestion>): string[] {
  const out: string[] = [];
  if (!card.uuid || !UUID.test(card.uuid)) out.push('uuid must be a UUID');
  if (typeof card.summary !== 'string' || card.summary.trim().length === 0) out.push('summary is required');
  else if ([...card.summary].length > SUMMARY_MAX) out.push('summary must be under 140 characters');
  if (!INDICATORS.includes(card.indicator)) out.push('indicator must be info|warning|critical');
  if (!card.source || typeof card.source.label !== 'string' || !card.source.label) out.push('source.label is required');
  if (card.source?.url !== undefined && !isAbsoluteUrl(card.source.url)) out.push('source.url must be an absolute URL');
  if (card.source?.icon !== undefined && !isAbsoluteUrl(card.source.icon))
    out.push('source.icon must be an absolute URL');
  if (card.source?.topic && (!card.source.topic.system || !card.source.topic.code))
    out.push('source.topic needs system and code');

  const suggestions = card.suggestions ?? [];
  if (suggestions.length > 0 && !card.selectionBehavior)
    out.push('selectionBehavior is required with suggestions (cds-resp-6)');
  if (card.selectionBehavior && !['at-most-one', 'any'].includes(card.selectionBehavior)) {
    out.push('selectionBehavior must be at-most-one|any');
  }
  if (card.selectionBehavior === 'at-most-one' && suggestions.filter((s) => s.isRecommended).length > 1) {
    out.push('at most one suggestion may be recommended with at-most-one (cds-resp-1)');
  }
  suggestions.forEach((s, i) => {
    if (passed.has(s) || suggestionOk(s)) return;
    if (!s.label) out.push(`suggestions[${i}].label is required`);
    if (!s.uuid || !UUID.test(s.uuid)) out.push(`suggestions[${i}].uuid must be a UUID`);
    (s.actions ?? []).forEach((a, j) => out.push(...actionViolations(a, `suggestions[${i}].actions[${j}]`)));
  });
  (card.overrideReasons ?? []).forEach((r, i) => {
    if (!r.system || !r.code || !r.display)
      out.push(`overrideReasons[${i}] needs system, code and display (cds-resp-4)`);
  });
  (card.links ?? []).forEach((l, i) => {
    if (!l.label || !l.url || !isAbsoluteUrl(l.url)) out.push(`links[${i}] needs a label and an absolute url`);
    if (l.type !== 'absolute' && l.type !== 'smart') out.push(`links[${i}].type must be absolute|smart`);
    if (l.type !== 'smart' && l.appContext !== undefined)
      out.push(`links[${i}].appContext only for smart links (cds-resp-3)`);
  });
  // Suggestions that passed have no empty member: the walk leaves them out (unless the list itself is empty).
  const walked =
    passed.size > 0 && suggestions.length > 0 && suggestions.every((s) => passed.has(s))
      ? { ...card, suggestions: undefined }
      : card;
  for (const path of emptyMembers(walked)) out.push(`${path} is null or empty: omit it instead`);
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
  /** Cards sent without some of their suggestions: how many were dropped, and why. */
  trimmed: Array<{ index: number; suggestions: number; violations: string[] }>;
}

/** The card without the suggestions that break the contract (selectionBehavior goes with the last one). */
function withoutBadSuggestions(
  card: Card,
  passed: Set<Suggestion>,
): { card: Card; dropped: number; violations: string[] } {
  if (!card.suggestions?.length) return { card, dropped: 0, violations: [] };
  const kept: Suggestion[] = [];
  const violations: string[] = [];
  card.suggestions.forEach((s, i) => {
    if (suggestionOk(s)) {
      passed.add(s);
      kept.push(s);
      return;
    }
    const v = suggestionViolations(s, `suggestions[${i}]`);
    if (v.length === 0) kept.push(s);
    else violations.push(...v);
  });
  if (kept.length === card.suggestions.length) return { card, dropped: 0, violations: [] };
  const trimmed: Card = { ...card };
  if (kept.length > 0) trimmed.suggestions = kept;
  else {
    delete trimmed.suggestions;
    delete trimmed.selectionBehavior;
  }
  return { card: trimmed, dropped: card.suggestions.length - kept.length, violations };
}

/**
 * Keeps the cards that pass, each without the suggestions that do not; in `throw` mode a card that still breaks
 * the contract throws ResponseContractError (a rule's bug), while a bad suggestion never does (bad input data).
 */
export function enforceContract(cards: Card[], mode: 'drop' | 'throw'): ContractResult {
  const kept: Card[] = [];
  const dropped: ContractResult['dropped'] = [];
  const trimmed: ContractResult['trimmed'] = [];
  cards.forEach((original, index) => {
    const passed = new Set<Suggestion>();
    const { card, dropped: n, violations: suggestionProblems } = withoutBadSuggestions(original, passed);
    if (n > 0) trimmed.push({ index, suggestions: n, violations: suggestionProblems });
    const violations = cardOk(card, passed) ? [] : violationsOf(card, passed);
    if (violations.length === 0) kept.push(card);
    else dropped.push({ index, violations });
  });
  if (mode === 'throw' && dropped.length > 0) throw new ResponseContractError(dropped.flatMap((d) => d.violations));
  return { cards: kept, dropped, trimmed };
}

/**
 * Logs and counts what the contract took out of an answer (`cards` are the ones checked, by index): an error line
 * for dropped suggestions, one for dropped cards, and one more when a critical card was dropped. Only counts and
 * rule texts: never a card's content or an id from the request.
 */
export function reportContract(
  checked: ContractResult,
  cards: Card[],
  out: { logger: Logger; log: Record<string, unknown>; service: string; metrics?: Metrics | undefined },
): void {
  const indicatorOf = (index: number) => cards[index]?.indicator ?? 'info';
  for (const t of checked.trimmed) {
    out.metrics?.contractDropped.inc(
      { service: out.service, part: 'suggestion', indicator: indicatorOf(t.index) },
      t.suggestions,
    );
  }
  if (checked.trimmed.length) {
    out.logger.error('card suggestion dropped: response contract', {
      ...out.log,
      dropped: checked.trimmed.reduce((n, t) => n + t.suggestions, 0),
      violations: checked.trimmed.flatMap((t) => t.violations),
    });
  }
  if (!checked.dropped.length) return;
  for (const d of checked.dropped)
    out.metrics?.contractDropped.inc({ service: out.service, part: 'card', indicator: indicatorOf(d.index) });
  out.logger.error('card dropped: response contract', {
    ...out.log,
    dropped: checked.dropped.length,
    violations: checked.dropped.flatMap((d) => d.violations),
  });
  const critical = checked.dropped.filter((d) => indicatorOf(d.index) === 'critical');
  if (critical.length) {
    out.logger.error('critical card dropped: response contract', {
      ...out.log,
      dropped: critical.length,
      violations: critical.flatMap((d) => d.violations),
    });
  }
}
