// The research tables as read by the knowledge build: CSV parsing, the shipping rule (VERIFIED) and column
// access that names the file when a column is missing.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Row = Record<string, string>;

/** RFC 4180-style CSV: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
    } else {
      field += ch;
    }
  }
  if (inQuotes) throw new Error('CSV: unterminated quoted field');
  record.push(field);
  if (record.some((f) => f !== '')) records.push(record);
  const [header, ...body] = records;
  if (!header) return [];
  const names = header.map((h) => h.trim());
  return body.map((cells, n) => {
    if (cells.length !== names.length) {
      throw new Error(`CSV: row ${n + 2} has ${cells.length} fields, header has ${names.length}`);
    }
    const row: Row = {};
    names.forEach((name, i) => {
      row[name] = (cells[i] ?? '').trim();
    });
    return row;
  });
}

/** The shipping rule: a code is written only when its status column says VERIFIED. */
export const isVerified = (status: string | undefined): boolean => /^VERIFIED\b/.test(status ?? '');

/** Lower-case, straight apostrophes, single spaces. */
export function normName(s: string): string {
  return s.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();
}

export function col(row: Row, name: string, file: string): string {
  const v = row[name];
  if (v === undefined) throw new Error(`${file}: missing column ${name}`);
  return v;
}

/** Reads one research table by file name. */
export type ReadTable = (file: string) => Row[];

/** A reader of the research folder's CSV tables; errors name the file. */
export function tableReader(srcDir: string): ReadTable {
  return (f: string): Row[] => {
    try {
      return parseCsv(readFileSync(join(srcDir, f), 'utf8'));
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`, { cause: e });
    }
  };
}

/** hookwise's own tables, committed in scripts/data/ (brand names, label interactions, UGIB codes). */
export function readScriptData(file: string): Row[] {
  return parseCsv(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'data', file), 'utf8'));
}

/**
 * A label's daily dose cap, `ingredient|mg` ("simvastatin|20": at most 20 mg of simvastatin a day with the other
 * drug); empty for none. The ingredient must be one of `allowed` (a side of the row).
 */
export function doseCap(r: Row, file: string, what: string, allowed: string[]): { doseCap?: { ingredient: string; mgPerDay: number } } {
  const raw = (r.dose_cap ?? '').trim();
  if (!raw) return {};
  const [name, mg] = raw.split('|').map((x) => x.trim());
  const ingredient = normName(name ?? '');
  const mgPerDay = Number(mg);
  if (!ingredient || !allowed.includes(ingredient) || !Number.isFinite(mgPerDay) || mgPerDay <= 0) throw new Error(`${file}: ${what}: dose_cap ${raw}`);
  return { doseCap: { ingredient, mgPerDay } };
}
