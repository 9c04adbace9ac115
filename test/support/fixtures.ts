import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A deep copy of a JSON fixture, so a test can change it freely. */
export function fixture<T = Record<string, any>>(path: string): T {
  return JSON.parse(readFileSync(join(root, 'fixtures', path), 'utf8')) as T;
}
