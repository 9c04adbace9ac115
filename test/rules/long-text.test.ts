// Medication text is read with regular expressions on the event loop, where no deadline can stop them: a long run
// of digits in a drug's name must cost linear time, not quadratic (100 000 digits took seconds before).
import { describe, expect, it } from '@jest/globals';
import { isRxNorm } from '../../src/fhir-read/datatypes.js';
import { strengthOf } from '../../src/rules/acetaminophen-max.js';
import { unitText } from '../../src/rules/card-text.js';
import { strengthIn } from '../../src/rules/ordered-dose.js';
import { normalizeBase, normalizeServer } from '../../src/util/fhir-base.js';
import { medRequest, signOrders } from './helpers.js';

const DIGITS = '1'.repeat(100_000);

/** The result and the milliseconds it took. */
function timed<T>(work: () => T): [T, number] {
  const start = performance.now();
  const result = work();
  return [result, performance.now() - start];
}

describe('long runs of digits in medication text', () => {
  it('a strength: the amount is read, and a volume of digits with no "ML" after it is no volume', () => {
    const [plain, plainMs] = timed(() => strengthIn(`Rivaroxaban 20 MG Oral Tablet ${DIGITS}`, 'rivaroxaban', true));
    expect(plain).toEqual({ mg: 20, unit: true });
    const [volume, volumeMs] = timed(() => strengthIn(`enoxaparin 100 MG/${DIGITS}X`, 'enoxaparin', true));
    expect(volume).toEqual({ mg: 100, unit: true });
    const [none, noneMs] = timed(() => strengthIn(DIGITS, 'rivaroxaban', true));
    expect(none).toBeUndefined();
    // Linear: a few ms. Quadratic, as before: seconds (6 s for the volume case on this machine).
    expect(Math.max(plainMs, volumeMs, noneMs)).toBeLessThan(1000);
  });

  it('a duplicate order whose name ends in 100 000 digits is still compared, in linear time', () => {
    const [cards, ms] = timed(() =>
      signOrders([medRequest('d1', `Warfarin Sodium ${DIGITS}`)], [medRequest('a1', 'Warfarin Sodium 5 MG')]),
    );
    expect(cards.map((c) => c.finding?.key)).toEqual([expect.stringMatching(/^duplicate/)]);
    expect(ms).toBeLessThan(1000);
  });
});

describe('long runs of slashes in a FHIR base or a coding system', () => {
  const SLASHES = '/'.repeat(100_000);

  it('the trailing slashes are trimmed and a run that is not trailing is kept, in linear time', () => {
    const [base, baseMs] = timed(() => normalizeBase(`https://ehr.example.org/fhir${SLASHES}x`));
    expect(base).toBe(`https://ehr.example.org/fhir${SLASHES}x/`);
    const [server, serverMs] = timed(() => normalizeServer(`https://ehr.example.org/fhir${SLASHES}x`));
    expect(server).toBe(`https://ehr.example.org/fhir${SLASHES}x`);
    const [trimmed, trimmedMs] = timed(() => normalizeServer(`not a url${SLASHES}`));
    expect(trimmed).toBe('not a url');
    const [system, systemMs] = timed(() => isRxNorm(`http://www.nlm.nih.gov/research/umls/rxnorm${SLASHES}x`));
    expect(system).toBe(false);
    // Quadratic, as before: seconds each.
    expect(Math.max(baseMs, serverMs, trimmedMs, systemMs)).toBeLessThan(1000);
  });
});

describe('long runs in medication names and units', () => {
  const SPACES = ' '.repeat(100_000);

  it('an acetaminophen strength with a long run of spaces after "/" and no "ML": the amount, no volume', () => {
    const [strength, ms] = timed(() => strengthOf(`Acetaminophen 500 MG/${SPACES}Oral Tablet`));
    expect(strength).toEqual({ mg: 500 });
    expect(ms).toBeLessThan(1000);
  });

  it('a strength with a long run of spaces after "MG/" and no "ML": the amount, no volume', () => {
    const [strength, ms] = timed(() => strengthIn(`Enoxaparin 100 MG/${SPACES}Prefilled Syringe`, 'enoxaparin', true));
    expect(strength).toEqual({ mg: 100, unit: true });
    expect(ms).toBeLessThan(1000);
  });

  it('a digoxin order whose name has 100 000 digits and no "MG" is not a low dose: 0.125 mg is still offered', () => {
    const [cards, ms] = timed(() =>
      signOrders(
        [medRequest('d1', `Digoxin ${DIGITS} Oral Tablet`, 'draft')],
        [medRequest('a1', 'cycloSPORINE 100 MG Oral Capsule')],
      ),
    );
    const card = cards.find((c) => c.finding?.key.startsWith('pddi-digoxin-cyclosporine'));
    expect(card?.suggestions?.map((s) => s.label)).toContain('Order digoxin 0.125 mg instead');
    expect(ms).toBeLessThan(1000);
  });

  it('a unit with a long run of "{" and no "}" is shown as sent, in linear time', () => {
    const unit = `${'{'.repeat(100_000)}mg`;
    const [text, ms] = timed(() => unitText(unit));
    expect(text).toBe(unit);
    expect(ms).toBeLessThan(1000);
  });

  it('a strength after an ingredient named 200 000 times before one "/": each stop is tried once, not once per mention', () => {
    const [strength, ms] = timed(() =>
      strengthIn(`${'warfarin '.repeat(200_000)}/ warfarin 5 MG Oral Tablet`, 'warfarin', false),
    );
    expect(strength).toEqual({ mg: 5, unit: true });
    // The regex this replaced scanned from every mention to the "/": 37 ms at 40 000 characters, about 75 s here.
    expect(ms).toBeLessThan(1000);
  });
});
