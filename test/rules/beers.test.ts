import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultKnowledgeDir, loadKnowledge } from '../../src/knowledge/index.js';
import { ageInYears } from '../../src/fhir-read/patients.js';
import { decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, fixture, knowledge, medRequest } from './helpers.js';

const patient = (birthDate: string | undefined, extra: JsonObject = {}) => {
  const p = fixture('patient-older', extra);
  if (birthDate === undefined) delete p.birthDate;
  else p.birthDate = birthDate;
  return p;
};

function view(meds: JsonObject[], pat: JsonObject | null | undefined, patientId = 'pat-1'): Card[] {
  const d: Record<string, unknown> = { medications: bundle(...meds) };
  if (pat !== undefined) d.patient = pat;
  return decidePatientView({
    context: { userId: 'Practitioner/1', patientId },
    data: data(d as never),
    knowledge: knowledge(),
    now: NOW,
  });
}

const DIPHENHYDRAMINE = () => fixture('medication-request-diphenhydramine');

describe('patient-view: AGS Beers Criteria 2023 (65 and over)', () => {
  it('one info card listing every active Beers medication, with recommendation, citation and version', () => {
    const cards = view(
      [DIPHENHYDRAMINE(), fixture('medication-request-glipizide'), fixture('medication-request-lisinopril')],
      fixture('patient-older'),
    );
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('info');
    expect(c.summary).toBe('Review diphenhydramine, glipizide at age 78: potentially inappropriate (AGS Beers 2023)');
    // §4: one fact per line, no ISO dates or ids; the records and codes are in the trace.
    expect(c.detail).not.toMatch(/\d{4}-\d{2}-\d{2}|MedicationRequest\/|Patient\.birthDate/);
    expect(c.detail?.split('\n')[0]).toMatch(/^- \*\*Diphenhydramine Hydrochloride 25 MG Oral Capsule\*\*/);
    expect(c.finding?.trace?.codes).toContain('http://www.nlm.nih.gov/research/umls/rxnorm|3498');
    expect(c.source.url).toBe('https://doi.org/10.1111/jgs.18372');
    expect(c.detail).toContain('Diphenhydramine Hydrochloride 25 MG Oral Capsule');
    expect(c.detail).toContain('avoid (strongly anticholinergic)');
    expect(c.detail).toContain('acute severe allergic reaction');
    expect(c.detail).toContain('glipizide 5 MG Oral Tablet');
    expect(c.detail).toContain('J Am Geriatr Soc 2023;71:2052-81. doi:10.1111/jgs.18372');
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.detail).not.toContain('lisinopril');
    expect(c.links).toEqual([expect.objectContaining({ url: 'https://doi.org/10.1111/jgs.18372', type: 'absolute' })]);
    expect(c.suggestions).toBeUndefined();
  });

  it('fires on the 65th birthday, not the day before (age 64)', () => {
    expect(view([DIPHENHYDRAMINE()], patient('1961-11-23')).map((c) => c.summary)).toEqual([
      'Review diphenhydramine at age 65: potentially inappropriate (AGS Beers 2023)',
    ]);
    expect(view([DIPHENHYDRAMINE()], patient('1961-11-24'))).toEqual([]);
  });

  it('near miss: no birth date, no Patient, a Patient of another chart, or a partial date that may be under 65', () => {
    expect(view([DIPHENHYDRAMINE()], patient(undefined))).toEqual([]);
    expect(view([DIPHENHYDRAMINE()], null)).toEqual([]);
    expect(view([DIPHENHYDRAMINE()], undefined)).toEqual([]);
    expect(view([DIPHENHYDRAMINE()], fixture('patient-older'), 'someone-else')).toEqual([]);
    expect(view([DIPHENHYDRAMINE()], patient('1961'))).toEqual([]); // could be born 1961-12-31: 64
    expect(view([DIPHENHYDRAMINE()], patient('1960')).map((c) => c.indicator)).toEqual(['info']);
  });

  it('near miss: a stopped Beers medication, or one whose criterion is not VERIFIED (lorazepam, aspirin)', () => {
    expect(
      view([fixture('medication-request-diphenhydramine', { status: 'stopped' })], fixture('patient-older')),
    ).toEqual([]);
    expect(view([medRequest('m-lora', 'lorazepam 1 MG Oral Tablet')], fixture('patient-older'))).toEqual([]);
    expect(view([medRequest('m-asa', 'aspirin 81 MG Oral Tablet')], fixture('patient-older'))).toEqual([]);
  });

  it('short-acting dipyridamole only: an extended-release product is not flagged', () => {
    expect(view([medRequest('m-dip', 'dipyridamole 75 MG Oral Tablet')], fixture('patient-older'))).toHaveLength(1);
    expect(
      view(
        [medRequest('m-dip', '12 HR aspirin 25 MG / dipyridamole 200 MG Extended Release Oral Capsule')],
        fixture('patient-older'),
      ),
    ).toEqual([]);
  });

  it('a Beers drug matched by name says so', () => {
    const cards = view(
      [medRequest('m-h', 'x', 'active', { medicationCodeableConcept: { text: 'hydroxyzine 25 mg at night' } })],
      fixture('patient-older'),
    );
    expect(cards[0]!.detail).toContain('Matched by name');
  });

  it('reads the Patient from a Bundle too', () => {
    expect(view([DIPHENHYDRAMINE()], bundle(fixture('patient-older')) as unknown as JsonObject)).toHaveLength(1);
  });

  it('ships only VERIFIED criteria', () => {
    for (const e of knowledge().beers.entries) expect(e.criterionVerification).toMatch(/^criterion VERIFIED/);
    expect(knowledge().beers.entries.map((e) => e.ingredient)).not.toContain('aspirin');
  });

  it('the loader refuses a Beers entry whose criterion is not VERIFIED', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwise-beers-'));
    try {
      cpSync(defaultKnowledgeDir(), dir, { recursive: true });
      const file = join(dir, 'beers-2023.json');
      const b = JSON.parse(readFileSync(file, 'utf8'));
      b.entries[0].criterionVerification = 'criterion UNVERIFIED when compiled';
      writeFileSync(file, JSON.stringify(b));
      expect(() => loadKnowledge(dir)).toThrow(/beers-2023\.json: is invalid at entries\.0\.criterionVerification/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ageInYears', () => {
  it('counts completed years in UTC and never overstates a partial date', () => {
    expect(ageInYears('1948-06-30', NOW)).toBe(78);
    expect(ageInYears('1961-11-23', NOW)).toBe(65);
    expect(ageInYears('1961-11', NOW)).toBe(64);
    expect(ageInYears('1961-10', NOW)).toBe(65);
    expect(ageInYears('2030-01-01', NOW)).toBeUndefined();
    expect(ageInYears('not a date', NOW)).toBeUndefined();
    expect(ageInYears('1961-02-30', NOW)).toBeUndefined();
    expect(ageInYears(undefined, NOW)).toBeUndefined();
  });
});
