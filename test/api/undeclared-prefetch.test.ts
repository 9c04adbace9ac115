// A client that prefetched with its own templates (as the HL7 PDDI-CDS guide's example requests do, under item1…
// item6) and whose FHIR server cannot be reached still gets the cards: the data it sent under undeclared keys is
// matched to hookwise's keys by resource type and patient.
import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { buildApp, postHook } from '../support/app.js';
import { adoptUndeclared } from '../../src/data/undeclared-prefetch.js';

type CardJson = Record<string, any>;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** A loopback port nothing listens on: reads from it fail at once. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const warfarin = {
  resourceType: 'MedicationRequest',
  id: 'r101',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: {
    coding: [{ system: RXNORM, code: '855350', display: 'Warfarin Sodium 0.5 MG Oral Tablet' }],
  },
  subject: { reference: 'Patient/f101' },
  authoredOn: '2026-10-01',
};
const ulcer = {
  resourceType: 'Condition',
  id: 'c101',
  code: {
    coding: [{ system: 'http://snomed.info/sct', code: '12847006', display: 'Acute duodenal ulcer with hemorrhage' }],
  },
  subject: { reference: 'Patient/f101' },
};

async function pddiStyleRequest(): Promise<Record<string, any>> {
  return {
    hookInstance: 'f24dfe5e-9480-429f-9b27-2af9c6512345',
    hook: 'order-select',
    fhirServer: `http://127.0.0.1:${await deadPort()}/baseDstu3`,
    extension: { 'pddi-configuration-items': { 'cache-for-order-sign-filtering': false } },
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: 'f101',
      encounterId: 'e101',
      selections: ['MedicationRequest/ketorolac-draft'],
      draftOrders: {
        resourceType: 'Bundle',
        entry: [
          {
            resource: {
              resourceType: 'MedicationRequest',
              id: 'ketorolac-draft',
              status: 'draft',
              subject: { reference: 'Patient/f101' },
              medicationCodeableConcept: {
                text: 'Ketorolac Tromethamine 10 MG Oral Tablet',
                coding: [{ system: RXNORM, code: '834022', display: 'Ketorolac Tromethamine 10 MG Oral Tablet' }],
              },
            },
          },
        ],
      },
    },
    prefetch: {
      item6: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: ulcer }] },
      item2: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: warfarin }] },
    },
  };
}

describe('prefetch under keys hookwise does not declare', () => {
  it('the PDDI-style order-select call (item2 warfarin, item6 ulcer, FHIR server down) gives the warfarin + ketorolac card', async () => {
    const { app, logs } = await buildApp();
    const res = await postHook(app, 'order-select', await pddiStyleRequest()).expect(200);
    const card = (res.body.cards as CardJson[]).find((c) => /acetaminophen to ketorolac with warfarin/.test(c.summary));
    expect(card?.indicator).toBe('critical');
    expect(card?.detail).toContain('history of Acute duodenal ulcer with hemorrhage');
    const line = logs
      .records()
      .filter((r) => r.message === 'hook invocation')
      .at(-1)!;
    expect((line.prefetch as { received: string[] }).received).toEqual(
      expect.arrayContaining(['medications', 'giBleedHistory']),
    );
    expect((line.prefetch as { adopted: string[] }).adopted).toEqual(
      expect.arrayContaining(['medications', 'giBleedHistory']),
    );
  });

  it('data about another patient is never adopted', async () => {
    const { app } = await buildApp();
    const body = await pddiStyleRequest();
    body.prefetch.item2.entry[0].resource = { ...warfarin, subject: { reference: 'Patient/someone-else' } };
    const res = await postHook(app, 'order-select', body).expect(200);
    expect((res.body.cards as CardJson[]).some((c) => /Warfarin/.test(c.summary))).toBe(false);
  });

  it('reads the legacy shapes (entries as bare resources, {response, resource}) and merges several values of one type', () => {
    const ppi = { resourceType: 'MedicationRequest', id: 'p', subject: { reference: 'Patient/f101' } };
    const adopted = adoptUndeclared(
      {
        item1: { response: { status: '200 OK' }, resource: { resourceType: 'Bundle', entry: [warfarin] } } as never,
        item2: { resourceType: 'Bundle', entry: [{ resource: ppi }] } as never,
        medications: null,
      },
      new Set(['medications']),
      { resourceType: 'MedicationRequest', interaction: 'search', patientId: 'f101' },
    );
    expect(adopted?.from).toEqual(['item1', 'item2']);
    expect((adopted?.value as { entry: unknown[] }).entry).toHaveLength(2);
    // A declared key is never a source, and a value of another type is not taken.
    expect(
      adoptUndeclared(
        { medications: { resourceType: 'Bundle', entry: [{ resource: warfarin }] } as never },
        new Set(['medications']),
        { resourceType: 'MedicationRequest', interaction: 'search', patientId: 'f101' },
      ),
    ).toBeUndefined();
    expect(
      adoptUndeclared({ item6: { resourceType: 'Bundle', entry: [{ resource: ulcer }] } as never }, new Set(), {
        resourceType: 'MedicationRequest',
        interaction: 'search',
        patientId: 'f101',
      }),
    ).toBeUndefined();
  });
});
