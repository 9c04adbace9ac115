import { describe, it, expect } from '@jest/globals';
import { normName, parseCsv } from '../../scripts/knowledge/csv.js';

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes and newlines', () => {
    const rows = parseCsv('a,b,c\r\n1,"x, y","say ""hi"""\n2,"multi\nline",\n');
    expect(rows).toEqual([
      { a: '1', b: 'x, y', c: 'say "hi"' },
      { a: '2', b: 'multi\nline', c: '' },
    ]);
  });

  it('rejects a row with the wrong number of fields', () => {
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow(/row 2 has 3 fields/);
  });

  it('rejects an unterminated quote', () => {
    expect(() => parseCsv('a\n"open\n')).toThrow(/unterminated/);
  });
});

describe('normName', () => {
  it('lower-cases, straightens apostrophes and collapses spaces', () => {
    expect(normName('St John\u2019s  Wort ')).toBe("st john's wort");
  });
});
