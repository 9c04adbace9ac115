import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../src/cds/types.js';
import { creatinineClearance, describeCrCl, kidneyFunction } from '../../src/clinical-calc/crcl.js';
import { labCodes } from '../../src/knowledge/index.js';
import { BODY_WEIGHT_LOINC, CREATININE_LOINC, renalPrefetch } from '../../prefetch/renal.js';
import { patientViewPrefetch } from '../../prefetch/patient-view.js';
import { compileTemplate, renderTemplate } from '../../src/data/templates.js';
import { TOKEN_FIELDS } from '../../src/cds/registry.js';
import { NOW, bundle, data, daysBefore, fixture, knowledge } from '../rules/helpers.js';

function obs(code: string, value: number, unit: string, daysAgo: number, extra: JsonObject = {}): JsonObject {
  return {
    resourceType: 'Observation',
    id: `obs-${code}-${daysAgo}-${value}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit, code: unit },
    ...extra,
  };
}

const patient = (gender: string, birthDate: string): JsonObject => ({
  resourceType: 'Patient',
  id: 'pat-1',
  gender,
  birthDate,
});

describe('creatinineClearance (Cockcroft-Gault)', () => {
  it('80-year-old female, 60 kg, SCr 1.2 mg/dL: (60×60)/(72×1.2)×0.85 = 35.4', () => {
    expect(creatinineClearance({ ageYears: 80, sex: 'female', weightKg: 60, scrMgDl: 1.2 })).toBeCloseTo(35.42, 2);
  });

  it('male: no 0.85 factor (40 y, 72 kg, SCr 1.0 → 100)', () => {
    expect(creatinineClearance({ ageYears: 40, sex: 'male', weightKg: 72, scrMgDl: 1.0 })).toBeCloseTo(100, 6);
    expect(creatinineClearance({ ageYears: 40, sex: 'female', weightKg: 72, scrMgDl: 1.0 })).toBeCloseTo(85, 6);
  });

  it('82-year-old female, 61 kg, SCr 1.3 → 32.1', () => {
    expect(creatinineClearance({ ageYears: 82, sex: 'female', weightKg: 61, scrMgDl: 1.3 })).toBeCloseTo(32.13, 2);
  });

  it('is NaN outside the formula’s range (child, zero creatinine, zero weight)', () => {
    expect(creatinineClearance({ ageYears: 12, sex: 'male', weightKg: 40, scrMgDl: 0.5 })).toBeNaN();
    expect(creatinineClearance({ ageYears: 50, sex: 'male', weightKg: 70, scrMgDl: 0 })).toBeNaN();
    expect(creatinineClearance({ ageYears: 50, sex: 'male', weightKg: 0, scrMgDl: 1 })).toBeNaN();
  });
});

describe('kidneyFunction', () => {
  const k = knowledge();

  it('computes CrCl from the fixtures and names its inputs with dates', () => {
    const kf = kidneyFunction(
      {
        patient: fixture('renal-patient-female-82'),
        creatinine: bundle(fixture('renal-creatinine-mgdl')),
        weight: bundle(fixture('renal-weight-kg')),
      },
      NOW,
      k,
      'pat-1',
    );
    expect(kf.crcl?.value).toBeCloseTo(32.13, 2);
    expect(kf.crcl?.inputs.ageYears).toBe(82);
    expect(kf.crcl?.inputs.sex).toBe('female');
    expect(kf.crcl?.inputs.creatinine.code).toBe('2160-0');
    expect(kf.crclMissing).toEqual([]);
    expect(describeCrCl(kf.crcl!)).toBe(
      'CrCl 32 mL/min by Cockcroft-Gault from age 82, female, weight 61 kg on 2026-10-01, SCr 1.3 mg/dL on 2026-11-20',
    );
  });

  it('a unit named like an Object method ("constructor", "toString") is an unknown unit, never a NaN CrCl', () => {
    for (const unit of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const kf = kidneyFunction(
        {
          patient: patient('female', '1946-01-15'),
          creatinine: bundle(obs('2160-0', 1.2, unit, 3)),
          weight: bundle(obs('29463-7', 60, unit, 30)),
        },
        NOW,
        k,
      );
      expect({ unit, crcl: kf.crcl, missing: kf.crclMissing.length > 0 }).toEqual({
        unit,
        crcl: undefined,
        missing: true,
      });
    }
  });

  it('converts µmol/L (÷ 88.4) and [lb_av] to mg/dL and kg', () => {
    const kf = kidneyFunction(
      {
        patient: patient('female', '1946-01-15'), // 80 on NOW
        creatinine: bundle(obs('77140-2', 106.08, 'umol/L', 3)),
        weight: bundle(obs('29463-7', 132.277, '[lb_av]', 30)),
      },
      NOW,
      k,
    );
    expect(kf.crcl?.inputs.creatinine.value).toBeCloseTo(1.2, 4);
    expect(kf.crcl?.inputs.weight.value).toBeCloseTo(60, 3);
    expect(kf.crcl?.value).toBeCloseTo(35.42, 1);
    expect(describeCrCl(kf.crcl!)).toContain('(reported 106.08 umol/L)');
  });

  it('reads the µmol/L fixture (display unit µmol/L, UCUM code umol/L)', () => {
    const kf = kidneyFunction(
      {
        patient: fixture('renal-patient-female-82'),
        creatinine: bundle(fixture('renal-creatinine-umol')),
        weight: bundle(fixture('renal-weight-kg')),
      },
      NOW,
      k,
    );
    expect(kf.crcl?.inputs.creatinine.value).toBeCloseTo(115 / 88.4, 6);
  });

  it('skips a creatinine in another unit and uses the older one in a known unit', () => {
    const kf = kidneyFunction(
      {
        patient: patient('male', '1956-01-01'),
        creatinine: bundle(obs('2160-0', 1.0, 'mg/dL', 10), obs('2160-0', 9, 'mmol/L', 1)),
        weight: bundle(obs('29463-7', 70, 'kg', 1)),
      },
      NOW,
      k,
    );
    expect(kf.crcl?.inputs.creatinine.reported).toBe('1 mg/dL');
  });

  it('reads the creatinine Synthea reports (38483-4, VERIFIED since knowledge 2026.12.0)', () => {
    const kf = kidneyFunction(
      {
        patient: patient('male', '1956-01-01'),
        creatinine: bundle(obs('38483-4', 1.1, 'mg/dL', 2)),
        weight: bundle(obs('29463-7', 70, 'kg', 1)),
      },
      NOW,
      k,
    );
    expect(kf.crcl?.inputs.creatinine.code).toBe('38483-4');
  });

  it('skips a censored creatinine and a code that is not a serum creatinine (2161-8, urine)', () => {
    const kf = kidneyFunction(
      {
        patient: patient('male', '1956-01-01'),
        creatinine: bundle(
          obs('2160-0', 0.3, 'mg/dL', 1, { valueQuantity: { value: 0.3, comparator: '<', unit: 'mg/dL' } }),
          obs('2161-8', 110, 'mg/dL', 2),
        ),
        weight: bundle(obs('29463-7', 70, 'kg', 1)),
      },
      NOW,
      k,
    );
    expect(kf.crcl).toBeUndefined();
    expect(kf.crclMissing.join(' ')).toContain('serum creatinine');
  });

  it('takes the newest creatinine and weight', () => {
    const kf = kidneyFunction(
      {
        patient: patient('male', '1956-01-01'),
        creatinine: bundle(obs('2160-0', 2.0, 'mg/dL', 40), obs('2160-0', 1.0, 'mg/dL', 5)),
        weight: bundle(obs('29463-7', 90, 'kg', 200), obs('29463-7', 70, 'kg', 2)),
      },
      NOW,
      k,
    );
    expect(kf.crcl?.inputs.creatinine.value).toBe(1.0);
    expect(kf.crcl?.inputs.weight.value).toBe(70);
  });

  it('no CrCl when any input is missing or too old; says which', () => {
    const base = {
      patient: patient('male', '1956-01-01'),
      creatinine: bundle(obs('2160-0', 1.0, 'mg/dL', 5)),
      weight: bundle(obs('29463-7', 70, 'kg', 5)),
    };
    expect(kidneyFunction(base, NOW, k).crcl).toBeDefined();
    const noWeight = kidneyFunction({ ...base, weight: null }, NOW, k);
    expect(noWeight.crcl).toBeUndefined();
    expect(noWeight.crclMissing).toEqual(['no body weight in kg or lb in the last 365 days']);
    expect(
      kidneyFunction({ ...base, creatinine: bundle(obs('2160-0', 1.0, 'mg/dL', 91)) }, NOW, k).crcl,
    ).toBeUndefined();
    expect(kidneyFunction({ ...base, weight: bundle(obs('29463-7', 70, 'kg', 366)) }, NOW, k).crcl).toBeUndefined();
    expect(kidneyFunction({ ...base, patient: patient('unknown', '1956-01-01') }, NOW, k).crcl).toBeUndefined();
    expect(
      kidneyFunction({ ...base, patient: { resourceType: 'Patient', id: 'pat-1', gender: 'male' } }, NOW, k).crcl,
    ).toBeUndefined();
    expect(kidneyFunction({ ...base, patient: undefined }, NOW, k).crcl).toBeUndefined();
    expect(kidneyFunction({ ...base, weight: bundle(obs('29463-7', 70000, 'g', 5)) }, NOW, k).crcl).toBeUndefined();
    // A Patient of another chart is never used.
    expect(kidneyFunction(base, NOW, k, 'pat-2').crcl).toBeUndefined();
  });

  it('takes HookData as the hooks receive it', () => {
    const hookData = data({
      patient: bundle(fixture('renal-patient-female-82')),
      creatinine: bundle(fixture('renal-creatinine-mgdl')),
      weight: bundle(fixture('renal-weight-kg')),
      egfr: null,
    });
    expect(kidneyFunction(hookData, NOW, k, 'pat-1').crcl?.value).toBeCloseTo(32.13, 2);
  });

  it('computes age from birthDate against now (birthday not yet reached)', () => {
    const data = {
      patient: patient('male', '1956-11-24'),
      creatinine: bundle(obs('2160-0', 1.0, 'mg/dL', 5)),
      weight: bundle(obs('29463-7', 72, 'kg', 5)),
    };
    const before = kidneyFunction(data, NOW, k);
    expect(before.ageYears).toBe(69);
    expect(before.crcl?.value).toBeCloseTo(71, 6);
    const after = kidneyFunction(data, new Date('2026-11-25T12:00:00Z'), k);
    expect(after.ageYears).toBe(70);
    expect(after.crcl?.value).toBeCloseTo(70, 6);
  });

  it('reports the latest eGFR, and as recent only within 90 days', () => {
    const recent = kidneyFunction({ egfr: bundle(obs('33914-3', 40, 'mL/min/{1.73_m2}', 30)) }, NOW, k);
    expect(recent.egfr?.value).toBe(40);
    expect(recent.egfrRecent?.value).toBe(40);
    const old = kidneyFunction({ egfr: bundle(obs('33914-3', 40, 'mL/min/{1.73_m2}', 200)) }, NOW, k);
    expect(old.egfr?.value).toBe(40);
    expect(old.egfrRecent).toBeUndefined();
  });
});

describe('renal prefetch', () => {
  it('searches exactly the VERIFIED creatinine and weight codes', () => {
    expect(new Set(CREATININE_LOINC)).toEqual(labCodes(knowledge(), 'creatinine'));
    expect(new Set(BODY_WEIGHT_LOINC)).toEqual(labCodes(knowledge(), 'bodyWeight'));
  });

  it('reuses patient-view’s patient and egfr templates unchanged', () => {
    expect(renalPrefetch.patient?.template).toBe(patientViewPrefetch.patient?.template);
    expect(renalPrefetch.egfr?.template).toBe(patientViewPrefetch.egfr?.template);
  });

  it('compiles and renders for the order hooks, all keys optional, searches one page', () => {
    for (const hook of ['order-select', 'order-sign'] as const) {
      for (const [key, spec] of Object.entries(renalPrefetch)) {
        expect(spec.required).toBe(false);
        if (key !== 'patient') expect(spec.maxPages).toBe(1);
        const t = compileTemplate(key, spec.template, TOKEN_FIELDS[hook]);
        const r = renderTemplate(t, { patientId: 'pat-1' }, NOW);
        expect(r.ok).toBe(true);
      }
    }
    const t = compileTemplate('creatinine', renalPrefetch.creatinine!.template, TOKEN_FIELDS['order-sign']);
    expect(renderTemplate(t, { patientId: 'pat-1' }, NOW)).toEqual({
      ok: true,
      url:
        'Observation?patient=pat-1&code=http://loinc.org|2160-0,http://loinc.org|38483-4,http://loinc.org|77140-2,http://loinc.org|14682-9' +
        '&date=ge2026-08-25&_sort=-date&_count=10',
    });
  });
});
