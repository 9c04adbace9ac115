import { describe, expect, it } from '@jest/globals';
import { compileTemplate, renderTemplate, TemplateError } from '../../src/data/templates.js';
import { scopesFor } from '../../src/cds/scopes.js';
import { TOKEN_FIELDS, registerServices } from '../../src/cds/registry.js';
import { hookModules } from '../../hooks/index.js';
import { orderSelectPrefetch } from '../../prefetch/order-select.js';
import { orderSignPrefetch } from '../../prefetch/order-sign.js';

const ORDER = TOKEN_FIELDS['order-sign'];
const PV = TOKEN_FIELDS['patient-view'];
const NOW = new Date('2026-11-23T12:00:00Z');

describe('prefetch templates', () => {
  it('substitutes context tokens and URL-encodes every value', () => {
    const t = compileTemplate('k', 'Observation?patient={{context.patientId}}&encounter={{context.encounterId}}', PV);
    const r = renderTemplate(t, { patientId: 'a b&c=d', encounterId: 'e/1' }, NOW);
    expect(r).toEqual({ ok: true, url: 'Observation?patient=a%20b%26c%3Dd&encounter=e%2F1' });
  });

  it('renders the user tokens only when userId has the matching resource type', () => {
    const t = compileTemplate('k', 'PractitionerRole?practitioner={{userPractitionerId}}', PV);
    expect(renderTemplate(t, { userId: 'Practitioner/abc' }, NOW)).toEqual({
      ok: true,
      url: 'PractitionerRole?practitioner=abc',
    });
    expect(renderTemplate(t, { userId: 'PractitionerRole/abc' }, NOW).ok).toBe(false);
    const role = compileTemplate('k', 'PractitionerRole/{{userPractitionerRoleId}}', PV);
    expect(renderTemplate(role, { userId: 'PractitionerRole/r1' }, NOW)).toEqual({
      ok: true,
      url: 'PractitionerRole/r1',
    });
    const pat = compileTemplate('k', 'Patient/{{userPatientId}}', PV);
    expect(renderTemplate(pat, { userId: 'Patient/p9' }, NOW)).toEqual({ ok: true, url: 'Patient/p9' });
    const rp = compileTemplate('k', 'RelatedPerson/{{userRelatedPersonId}}', PV);
    expect(renderTemplate(rp, { userId: 'RelatedPerson/x' }, NOW)).toEqual({ ok: true, url: 'RelatedPerson/x' });
  });

  it('computes today() and today() ± N days from the injected clock', () => {
    const t = compileTemplate(
      'k',
      'Observation?date=ge{{today() - 90 days}}&date=lt{{today() + 1 day}}&d={{today()}}',
      PV,
    );
    expect(renderTemplate(t, {}, NOW)).toEqual({
      ok: true,
      url: 'Observation?date=ge2026-08-25&date=lt2026-11-24&d=2026-11-23',
    });
    expect(renderTemplate(t, {}, new Date('2024-03-01T00:30:00Z'))).toEqual({
      ok: true,
      url: 'Observation?date=ge2023-12-02&date=lt2024-03-02&d=2024-03-01',
    });
  });

  it('renders ids from draftOrders comma-joined, each encoded, duplicates once', () => {
    const draftOrders = {
      resourceType: 'Bundle',
      entry: [
        {
          resource: { resourceType: 'MedicationRequest', id: 'A', medicationReference: { reference: 'Medication/m1' } },
        },
        { resource: { resourceType: 'ServiceRequest', id: 'S' } },
        {
          resource: {
            resourceType: 'MedicationRequest',
            id: 'B 2',
            medicationReference: { reference: 'https://x.org/fhir/Medication/m2' },
          },
        },
        { resource: { resourceType: 'MedicationRequest', id: 'A' } },
      ],
    };
    const ids = compileTemplate(
      'k',
      'MedicationRequest?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).id}}',
      ORDER,
    );
    expect(renderTemplate(ids, { draftOrders }, NOW)).toEqual({ ok: true, url: 'MedicationRequest?_id=A,B%202' });
    const meds = compileTemplate(
      'k',
      'Medication?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).medication.resolve().id}}',
      ORDER,
    );
    expect(renderTemplate(meds, { draftOrders }, NOW)).toEqual({ ok: true, url: 'Medication?_id=m1,m2' });
  });

  it('does not render a template whose token has no value (never the string "undefined")', () => {
    const t = compileTemplate('k', 'Encounter/{{context.encounterId}}', PV);
    expect(renderTemplate(t, { patientId: 'p' }, NOW)).toEqual({ ok: false, reason: expect.any(String) });
    const drafts = compileTemplate(
      'k',
      'Medication?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).medication.resolve().id}}',
      ORDER,
    );
    expect(renderTemplate(drafts, { draftOrders: { resourceType: 'Bundle' } }, NOW).ok).toBe(false);
  });

  it.each([
    ['Patient/{{context.patient}}', /unknown token/],
    ['Patient/{{context.draftOrders}}', /not a prefetch token/],
    ['Patient/{{patientId}}', /unknown token/],
    ['Observation?date=ge{{today() - x days}}', /unknown token/],
    ['Observation?x={{context.draftOrders.entry.where(x)}}', /unsupported path step/],
    ['Patient/{{context.patientId}', /unbalanced/],
  ])('refuses %s at compile time', (template, message) => {
    expect(() => compileTemplate('k', template, ORDER)).toThrow(TemplateError);
    expect(() => compileTemplate('k', template, ORDER)).toThrow(message);
  });

  it('renders {{%key…}} from a prior key and refuses keys not declared before', () => {
    const t = compileTemplate(
      'refs',
      'Medication?_id={{%meds.entry.resource.ofType(MedicationRequest).medication.resolve().id}}',
      { ...ORDER, prior: ['meds'] },
    );
    expect(t.dependsOn).toEqual(['meds']);
    const meds = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'MedicationRequest', medicationReference: { reference: 'Medication/x1' } } }],
    };
    expect(renderTemplate(t, {}, NOW, { meds })).toEqual({ ok: true, url: 'Medication?_id=x1' });
    expect(renderTemplate(t, {}, NOW, {}).ok).toBe(false);
    expect(() =>
      compileTemplate('refs', 'Medication?_id={{%later.entry.resource.id}}', { ...ORDER, prior: ['meds'] }),
    ).toThrow(/declared before it/);
    expect(() => compileTemplate('refs', 'Medication?_id={{%meds}}', { ...ORDER, prior: ['meds'] })).toThrow(
      /declared before it/,
    );
  });

  it('refuses draftOrders paths on patient-view, which has no draftOrders', () => {
    expect(() => compileTemplate('k', 'X?_id={{context.draftOrders.entry.resource.id}}', PV)).toThrow(/unknown token/);
  });
});

describe('scopes derived from templates', () => {
  it('lists each resource type once, v1 read and v2 with only the interactions used', () => {
    const ts = [
      compileTemplate('a', 'Patient/{{context.patientId}}', PV),
      compileTemplate('b', 'Observation?patient={{context.patientId}}', PV),
      compileTemplate('c', 'Observation?patient={{context.patientId}}&code=x', PV),
      compileTemplate('d', 'Patient?_id={{context.patientId}}', PV),
    ];
    expect(scopesFor(ts)).toEqual({
      v1: ['system/Observation.read', 'system/Patient.read'],
      v2: ['system/Observation.s', 'system/Patient.rs'],
    });
  });

  it('gives every shipped hook scopes without a wildcard, for exactly the types its templates read', () => {
    const services = registerServices(hookModules);
    for (const s of services.values()) {
      const types = new Set(s.keys.map((k) => k.template.resourceType));
      expect(s.scopes.v1).toHaveLength(types.size);
      for (const scope of [...s.scopes.v1, ...s.scopes.v2]) {
        expect(scope).toMatch(/^system\/[A-Z][A-Za-z]+\.(read|r|s|rs)$/);
        expect(scope).not.toContain('*');
      }
    }
  });

  it("orderLabs: the digoxin level, potassium, magnesium and calcium in one search, the guide's ionized calcium left out", () => {
    expect(orderSignPrefetch.orderLabs).toBe(orderSelectPrefetch.orderLabs);
    const t = compileTemplate('orderLabs', orderSignPrefetch.orderLabs!.template, ORDER);
    const r = renderTemplate(t, { patientId: 'pat-1' }, NOW);
    if (!r.ok) throw new Error('orderLabs did not render');
    const url = new URL(r.url, 'https://fhir.example/');
    expect(url.pathname).toBe('/Observation');
    expect(url.searchParams.getAll('code')).toHaveLength(1);
    const codes = url.searchParams.get('code')!.split(',');
    for (const c of ['10535-3', '2823-3', '75940-7', '19123-9', '2597-3', '2601-3', '17861-6', '29265-6'])
      expect(codes).toContain(`http://loinc.org|${c}`);
    for (const ionized of ['1994-3', '1995-0', '17864-0']) expect(codes).not.toContain(`http://loinc.org|${ionized}`);
    expect(url.searchParams.get('date')).toBe('ge2025-11-23');
    expect(url.searchParams.get('_count')).toBe('100');
  });

  it('refuses a template whose resource type cannot be known', () => {
    expect(() => scopesFor([compileTemplate('u', '{{context.userId}}', PV)])).toThrow(/resource type/);
  });
});

describe('prefetch chains ({{%key…}})', () => {
  it('reads a chain level by level, and a required key whose prior key failed counts as missing', async () => {
    const { gather } = await import('../../src/data/gather.js');
    const { startFakeFhir, searchset } = await import('../support/fake-fhir.js');
    const fields = { ...PV, prior: ['a', 'b'] };
    const a = compileTemplate('a', 'MedicationRequest?patient={{context.patientId}}', { ...PV, prior: [] });
    const b = compileTemplate('b', 'Medication?_id={{%a.entry.resource.medication.resolve().id}}', {
      ...PV,
      prior: ['a'],
    });
    const c = compileTemplate('c', 'Substance?_id={{%b.entry.resource.ingredient.item.resolve().id}}', fields);
    const seen: string[] = [];
    const fake = await startFakeFhir((url) => {
      seen.push(url.pathname);
      if (url.pathname.endsWith('/MedicationRequest'))
        return {
          body: searchset([
            { resourceType: 'MedicationRequest', id: 'r', medicationReference: { reference: 'Medication/m' } },
          ]),
        };
      if (url.pathname.endsWith('/Medication'))
        return {
          body: searchset([
            { resourceType: 'Medication', id: 'm', ingredient: [{ itemReference: { reference: 'Substance/s' } }] },
          ]),
        };
      return { body: searchset([]) };
    });
    try {
      const request = {
        hook: 'patient-view',
        hookInstance: 'x',
        fhirServer: fake.base,
        context: { userId: 'Practitioner/1', patientId: 'p' },
      };
      const keys = [
        { key: 'a', template: a, required: true },
        { key: 'b', template: b, required: false },
        { key: 'c', template: c, required: true },
      ];
      const opts = {
        now: NOW,
        signal: new AbortController().signal,
        concurrency: 4,
        pageCap: 2,
        access: { source: 'none' as const },
      };
      const ok = await gather(request, keys, opts);
      expect(seen).toEqual(['/fhir/MedicationRequest', '/fhir/Medication', '/fhir/Substance']);
      expect(ok.outcomes).toEqual({ a: 'fetched', b: 'fetched', c: 'fetched' });

      const failedPrior = await gather(
        { ...request, prefetch: { a: { resourceType: 'OperationOutcome', issue: [] } } },
        keys.map((k) => (k.key === 'a' ? { ...k, required: false } : k)),
        { ...opts, access: { source: 'blocked' as const, blocked: 'blocked for the test' } },
      );
      expect(failedPrior.outcomes).toEqual({ a: 'unavailable', b: 'failed', c: 'failed' });
      expect(failedPrior.missingRequired.map((m) => m.key)).toEqual(['c']);
    } finally {
      await fake.close();
    }
  });
});
