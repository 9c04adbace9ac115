// Fixtures never go stale: every request fixture the README names gives its cards today and a year from now,
// sent as `npm run invoke` sends it (its dates moved from the fixtures' day to the day it is sent).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { asOf, daysSince, FIXTURE_ANCHOR, shiftDates } from '../../src/cli/fixture-dates.js';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const named = [...new Set([...readme.matchAll(/fixtures\/requests\/([a-z0-9-]+\.json)/g)].map((m) => m[1]!))];

const inAYear = (from: Date) => new Date(from.getTime() + 366 * 86_400_000);

async function cardsAt(name: string, now: Date): Promise<string[]> {
  const { app } = await buildApp({}, undefined, now.toISOString());
  const body = asOf(fixture(`requests/${name}`), now);
  const res = await postHook(app, String(body.hook), body).expect(200);
  // A summary may name a lab's date ("21 Nov 2026"), which moves with the fixture: compared as the days before `now`.
  const daysBefore = (iso: string) => `${daysSince(iso, now)} days ago`;
  const written = (d: string) => daysBefore(new Date(Date.parse(`${d} UTC`)).toISOString());
  return (res.body.cards as Array<{ indicator: string; summary: string }>)
    .map(
      (c) =>
        `${c.indicator}: ${c.summary.replace(/\d{4}-\d{2}-\d{2}/g, daysBefore).replace(/\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b/g, written)}`,
    )
    .sort();
}

describe('the fixtures the README names', () => {
  it('are there', () => {
    expect(named.length).toBeGreaterThanOrEqual(3);
  });

  it.each(named)('%s gives the same cards on its own day, today and a year from now', async (name) => {
    const atAnchor = await cardsAt(name, new Date(FIXTURE_ANCHOR));
    expect(atAnchor.length).toBeGreaterThan(0);
    const today = new Date();
    expect(await cardsAt(name, today)).toEqual(atAnchor);
    expect(await cardsAt(name, inAYear(today))).toEqual(atAnchor);
  });
});

describe('moving a fixture to another day', () => {
  it('moves dates and dateTimes by whole days, and leaves codes, partial dates and other text alone', () => {
    const moved = shiftDates(
      {
        birthDate: '1948-06-30',
        effectiveDateTime: '2026-11-21T08:30:00Z',
        issued: '2026-11-20T10:15:00.123+01:00',
        code: '7980',
        year: '2025',
        text: 'on 2026-11-21',
      },
      10,
    );
    expect(moved).toEqual({
      birthDate: '1948-07-10',
      effectiveDateTime: '2026-12-01T08:30:00Z',
      issued: '2026-11-30T10:15:00.123+01:00',
      code: '7980',
      year: '2025',
      text: 'on 2026-11-21',
    });
    expect(daysSince(FIXTURE_ANCHOR, new Date('2027-11-23T23:59:00Z'))).toBe(365);
  });
});
