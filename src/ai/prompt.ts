// The review prompt: a versioned file in the repository (prompts/<id>.<version>.md), loaded once. Its id,
// version and content hash travel with every card and every ledger row, so an answer can be traced to the exact
// text that produced it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../knowledge/index.js';

export interface Prompt {
  id: string;
  version: string;
  /** First 12 hex digits of the SHA-256 of the file. */
  hash: string;
  /** `id@version+hash`: what cards and ledger rows carry. */
  ref: string;
  system: string;
}

export const REVIEW_PROMPT_ID = 'medication-review';
export const REVIEW_PROMPT_VERSION = 'v1';

export function loadPrompt(
  id: string = REVIEW_PROMPT_ID,
  version: string = REVIEW_PROMPT_VERSION,
  root: string = findPackageRoot(),
): Prompt {
  const system = readFileSync(join(root, 'prompts', `${id}.${version}.md`), 'utf8');
  const hash = createHash('sha256').update(system).digest('hex').slice(0, 12);
  return { id, version, hash, ref: `${id}@${version}+${hash}`, system };
}
