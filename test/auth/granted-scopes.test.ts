import { describe, expect, it } from '@jest/globals';
import { allows, describeGrant, parseScopes } from '../../src/auth/granted-scopes.js';

const q = (s: string) => new URLSearchParams(s);

describe('parseScopes / allows: SMART v1', () => {
  it('.read and .* allow read and search; .write allows neither', () => {
    const g = parseScopes('user/Patient.read user/Observation.* user/MedicationRequest.write');
    for (const i of ['read', 'search'] as const) {
      expect(allows(g, 'Patient', i)).toBe(true);
      expect(allows(g, 'Observation', i)).toBe(true);
      expect(allows(g, 'MedicationRequest', i)).toBe(false);
      expect(allows(g, 'AllergyIntolerance', i)).toBe(false);
    }
  });

  it('wildcards: system/*.read and system/*.* cover every type', () => {
    expect(allows(parseScopes('system/*.read'), 'Medication', 'search')).toBe(true);
    expect(allows(parseScopes('system/*.*'), 'Medication', 'read')).toBe(true);
    expect(allows(parseScopes('system/*.write'), 'Medication', 'read')).toBe(false);
  });

  it('resource types match exactly (case-sensitive)', () => {
    const g = parseScopes('system/Medication.read');
    expect(allows(g, 'MedicationRequest', 'read')).toBe(false);
    expect(allows(g, 'medication', 'read')).toBe(false);
  });
});

describe('parseScopes / allows: SMART v2', () => {
  it('r allows read only, s allows search only, cruds both', () => {
    const g = parseScopes('system/Observation.r system/MedicationRequest.s system/Patient.cruds system/Encounter.cud');
    expect(allows(g, 'Observation', 'read')).toBe(true);
    expect(allows(g, 'Observation', 'search')).toBe(false);
    expect(allows(g, 'MedicationRequest', 'read')).toBe(false);
    expect(allows(g, 'MedicationRequest', 'search')).toBe(true);
    expect(allows(g, 'Patient', 'read')).toBe(true);
    expect(allows(g, 'Patient', 'search')).toBe(true);
    expect(allows(g, 'Encounter', 'read')).toBe(false);
    expect(allows(g, 'Encounter', 'search')).toBe(false);
  });

  it('wildcard type: system/*.rs', () => {
    const g = parseScopes('system/*.rs');
    expect(allows(g, 'AllergyIntolerance', 'search')).toBe(true);
    expect(allows(g, 'Medication', 'read')).toBe(true);
  });

  it('out-of-order permissions are garbled and ignored', () => {
    const g = parseScopes('system/Observation.sr system/Patient.dus');
    expect(g.rules).toHaveLength(0);
    expect(g.ignoredTokens).toBe(2);
    expect(allows(g, 'Observation', 'search')).toBe(false);
  });
});

describe('search-parameter constraints (v2)', () => {
  const lab = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
  const g = parseScopes(`user/Observation.rs?category=${encodeURIComponent(lab)}`);

  it('parses the constraint', () => {
    expect(g.rules[0]!.constraints).toEqual([['category', lab]]);
  });

  it('a search without the parameter (or without a query) is not allowed', () => {
    expect(allows(g, 'Observation', 'search')).toBe(false);
    expect(allows(g, 'Observation', 'search', undefined, q('patient=123&code=33914-3'))).toBe(false);
  });

  it('a search carrying the parameter with an equal value is allowed; another value is not', () => {
    expect(allows(g, 'Observation', 'search', undefined, q(`patient=123&category=${encodeURIComponent(lab)}`))).toBe(
      true,
    );
    expect(allows(g, 'Observation', 'search', undefined, q('category=vital-signs'))).toBe(false);
    expect(allows(g, 'Observation', 'search', undefined, q(`category=${encodeURIComponent(lab)},vital-signs`))).toBe(
      false,
    );
  });

  it('a read by id cannot meet a constraint', () => {
    expect(allows(g, 'Observation', 'read')).toBe(false);
  });

  it('every constraint of a scope must be met; an unconstrained scope next to it still allows', () => {
    const two = parseScopes('system/Observation.s?category=laboratory&status=final');
    expect(allows(two, 'Observation', 'search', undefined, q('category=laboratory'))).toBe(false);
    expect(allows(two, 'Observation', 'search', undefined, q('status=final&category=laboratory'))).toBe(true);
    const both = parseScopes('system/Observation.s?category=laboratory system/Observation.rs');
    expect(allows(both, 'Observation', 'search')).toBe(true);
  });

  it('constraints on v1 scopes, or an empty query, are garbled', () => {
    expect(parseScopes('system/Observation.read?category=laboratory').rules).toHaveLength(0);
    expect(parseScopes('system/Observation.rs?').rules).toHaveLength(0);
  });
});

describe('patient/ scopes', () => {
  it('apply when the grant patient equals the hook patient, not otherwise', () => {
    const g = parseScopes('patient/MedicationRequest.read patient/Observation.rs', 'pat-1');
    expect(g.patientScopesWithoutPatient).toBe(false);
    expect(allows(g, 'MedicationRequest', 'search', { patientId: 'pat-1' })).toBe(true);
    expect(allows(g, 'Observation', 'search', { patientId: 'pat-1' })).toBe(true);
    expect(allows(g, 'MedicationRequest', 'search', { patientId: 'pat-2' })).toBe(false);
    expect(allows(g, 'MedicationRequest', 'search')).toBe(false);
  });

  it('without a patient id in the grant they allow, and the grant says so', () => {
    const g = parseScopes('patient/*.read');
    expect(g.patientScopesWithoutPatient).toBe(true);
    expect(g.patientId).toBeUndefined();
    expect(allows(g, 'AllergyIntolerance', 'search', { patientId: 'pat-9' })).toBe(true);
    expect(allows(g, 'AllergyIntolerance', 'read')).toBe(true);
    expect(parseScopes('user/*.read').patientScopesWithoutPatient).toBe(false);
    expect(parseScopes('patient/*.read', '').patientScopesWithoutPatient).toBe(true);
  });

  it('user/ and system/ scopes apply whatever the patient', () => {
    const g = parseScopes('user/Observation.read system/Medication.rs', 'pat-1');
    expect(allows(g, 'Observation', 'search', { patientId: 'pat-2' })).toBe(true);
    expect(allows(g, 'Medication', 'read', { patientId: 'pat-2' })).toBe(true);
  });
});

describe('non-resource scopes and junk', () => {
  it('ignores openid, profile, fhirUser, launch*, online/offline_access without counting them', () => {
    const g = parseScopes(
      'openid profile fhirUser launch launch/patient launch/encounter online_access offline_access user/Patient.read',
    );
    expect(g.rules).toHaveLength(1);
    expect(g.ignoredTokens).toBe(0);
  });

  it('never throws on junk and ignores it', () => {
    const junk = [
      '',
      '   ',
      'system',
      'system/',
      'system/.read',
      'system/Observation',
      'system/Observation.',
      'system/Observation.xyz',
      'admin/Observation.read',
      'system/observation.read',
      'system/Obs-ervation.read',
      'system/Observation.rs?%E0%A4%A',
      'system/Observation.rs?=x',
      '\u0000\uFFFF',
      'a'.repeat(10000),
    ];
    for (const scope of junk) {
      const g = parseScopes(scope);
      expect(g.rules.filter((r) => r.read || r.search)).toHaveLength(0);
    }
    const mixed = parseScopes('  junk\tsystem/Observation.read\n\n??? user/*.garbage ');
    expect(mixed.rules).toHaveLength(1);
    expect(mixed.ignoredTokens).toBe(3);
    expect(allows(mixed, 'Observation', 'read')).toBe(true);
    expect(() => parseScopes(undefined as unknown as string)).not.toThrow();
  });
});

describe('describeGrant', () => {
  it('lists context, type and interactions, constraint names only, no ids, sorted and unique', () => {
    const g = parseScopes(
      'openid system/Observation.read user/MedicationRequest.s?patient=pat-secret-42&status=active patient/*.r system/Observation.rs system/Encounter.write',
      'pat-secret-42',
    );
    const described = describeGrant(g);
    expect(described).toEqual(['patient/*.r', 'system/Observation.rs', 'user/MedicationRequest.s?patient&status']);
    expect(described.join(' ')).not.toContain('pat-secret-42');
  });
});
