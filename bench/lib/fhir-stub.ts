// FHIR servers on 127.0.0.1, run inside the bench process for the fallback scenarios:
//  - SlowFhir answers every read after a fixed delay with a valid resource (searchset Bundles of fixture
//    resources, a Patient for Patient/{id}), and records when each read started and ended, so parallelism can
//    be shown from the server's side too;
//  - HungFhir accepts connections and never answers, and counts the connections still open.
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { readJson, searchset, type JsonObject } from './bodies.js';

export interface ReadRecord {
  path: string;
  startMs: number;
  endMs: number;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Fixture resources per search, chosen by resource type and, for Observations, by the LOINC code searched. */
class Answers {
  private readonly patient: JsonObject;
  private readonly simvastatin: JsonObject;
  private readonly simvastatinByRef: JsonObject;
  private readonly medication: JsonObject;
  private readonly allergy: JsonObject;
  private readonly byLoinc: Array<[string, JsonObject]>;
  private readonly inr: JsonObject;

  constructor(root: string) {
    const fhir = (f: string) => readJson(root, `fixtures/fhir/${f}`);
    this.patient = fhir('renal-patient-female-82.json');
    this.simvastatin = fhir('medication-request-simvastatin.json');
    // The same order Epic-style: a medicationReference, so medicationRefs ({{%medications…}}) must be read after.
    this.simvastatinByRef = { ...this.simvastatin, medicationReference: { reference: 'Medication/med-simva' } };
    delete this.simvastatinByRef.medicationCodeableConcept;
    this.medication = {
      resourceType: 'Medication',
      id: 'med-simva',
      code: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'Simvastatin 20 MG Oral Tablet' }],
      },
    };
    this.allergy = fhir('allergy-penicillin.json');
    this.byLoinc = [
      ['2160-0', fhir('renal-creatinine-mgdl.json')],
      ['29463-7', fhir('renal-weight-kg.json')],
      ['33914-3', fhir('observation-egfr.json')],
      ['6298-4', fhir('observation-potassium.json')],
    ];
    this.inr = fhir('observation-inr.json');
  }

  /** `byReference`: active medications reference a Medication (a 2-level prefetch chain). */
  answer(url: URL, byReference: boolean): JsonObject {
    const type = url.pathname.split('/').filter(Boolean).at(1) ?? '';
    const rest = url.pathname.split('/').filter(Boolean).slice(2);
    if (type === 'Patient' && rest.length === 1) return { ...this.patient, id: rest[0] ?? 'p' };
    if (type === 'MedicationRequest') return searchset([byReference ? this.simvastatinByRef : this.simvastatin]);
    if (type === 'Medication') return searchset([this.medication]);
    if (type === 'AllergyIntolerance') return searchset([this.allergy]);
    if (type === 'Observation') {
      const code = url.searchParams.get('code') ?? '';
      if (!code) return searchset([this.inr]);
      return searchset(this.byLoinc.filter(([loinc]) => code.includes(`|${loinc}`)).map(([, r]) => r));
    }
    return searchset([]);
  }
}

export class SlowFhir {
  readonly reads: ReadRecord[] = [];
  private readonly server: http.Server;
  private readonly answers: Answers;
  private port = 0;

  constructor(
    root: string,
    readonly delayMs: number,
  ) {
    this.answers = new Answers(root);
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    this.port = await listen(this.server);
  }

  /** Base whose MedicationRequests code the drug inline (every key independent). */
  get inlineBase(): string {
    return `http://127.0.0.1:${this.port}/inline`;
  }

  /** Base whose MedicationRequests reference a Medication (medicationRefs becomes a second level). */
  get referenceBase(): string {
    return `http://127.0.0.1:${this.port}/byref`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const startMs = performance.now();
    const url = new URL(req.url ?? '/', this.origin);
    const body = JSON.stringify(this.answers.answer(url, url.pathname.startsWith('/byref/')));
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(body);
      this.reads.push({ path: url.pathname, startMs, endMs: performance.now() });
    }, this.delayMs);
  }

  async stop(): Promise<void> {
    await close(this.server);
  }
}

/** A FHIR server that accepts connections and never answers, run on a worker thread (see hung-worker.mjs). */
export class HungFhir {
  private readonly counts = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  private worker: Worker | undefined;

  async start(): Promise<void> {
    this.worker = new Worker(new URL('./hung-worker.mjs', import.meta.url), {
      workerData: { shared: this.counts.buffer },
    });
    const deadline = Date.now() + 10_000;
    while (Atomics.load(this.counts, 3) === 0) {
      if (Date.now() > deadline) throw new Error('the hung FHIR server did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  get accepted(): number {
    return Atomics.load(this.counts, 0);
  }

  get requests(): number {
    return Atomics.load(this.counts, 1);
  }

  /** Connections accepted and not yet closed, counted from 'connection'/'close' events. */
  get openConnections(): number {
    return Atomics.load(this.counts, 2);
  }

  get base(): string {
    return `${this.origin}/fhir`;
  }

  get origin(): string {
    return `http://127.0.0.1:${Atomics.load(this.counts, 3)}`;
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
  }
}
