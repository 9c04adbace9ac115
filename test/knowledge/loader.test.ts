import { describe, it, expect } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultKnowledgeDir, findPackageRoot, labCodes, loadKnowledge } from '../../src/knowledge/index.js';

function copyKnowledge(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookwise-knowledge-'));
  cpSync(defaultKnowledgeDir(), dir, { recursive: true });
  return dir;
}

describe('loadKnowledge', () => {
  it('finds knowledge/ next to package.json from the module location', () => {
    expect(defaultKnowledgeDir()).toBe(join(findPackageRoot(), 'knowledge'));
    expect(readFileSync(join(findPackageRoot(), 'package.json'), 'utf8')).toContain('"name": "hookwise"');
  });

  it('loads the shipped files with the manifest version', () => {
    const k = loadKnowledge();
    expect(k.version).toBe('2026.12.0');
    expect(k.ddi.pairs).toHaveLength(15);
    expect(k.ddi.url).toBe('https://doi.org/10.1136/amiajnl-2011-000612');
    expect(k.ingredients.byRxcui.get('6809')).toEqual(['metformin']);
    expect(k.ingredients.byName.get('tizanidine')?.rxcui).toBe('57258');
  });

  it('names the file when a knowledge file is not JSON', () => {
    const dir = copyKnowledge();
    try {
      writeFileSync(join(dir, 'allergy-classes.json'), '{ "classes": [');
      expect(() => loadKnowledge(dir)).toThrow(/allergy-classes\.json: is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and the path when a knowledge file breaks the schema', () => {
    const dir = copyKnowledge();
    try {
      const file = join(dir, 'onc-high-priority-ddi.json');
      const ddi = JSON.parse(readFileSync(file, 'utf8'));
      ddi.pairs[2].object[0].rxcui = 'not-a-code';
      writeFileSync(file, JSON.stringify(ddi));
      expect(() => loadKnowledge(dir)).toThrow(/onc-high-priority-ddi\.json: is invalid at pairs\.2\.object\.0\.rxcui/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file when one is missing', () => {
    const dir = copyKnowledge();
    try {
      rmSync(join(dir, 'lab-codes.json'));
      expect(() => loadKnowledge(dir)).toThrow(/lab-codes\.json: cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a data file built for another knowledge version', () => {
    const dir = copyKnowledge();
    try {
      const file = join(dir, 'renal-rules.json');
      const r = JSON.parse(readFileSync(file, 'utf8'));
      r.knowledgeVersion = '2025.1.0';
      writeFileSync(file, JSON.stringify(r));
      expect(() => loadKnowledge(dir)).toThrow(/renal-rules\.json: was built for knowledge 2025\.1\.0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a manifest without a usable version', () => {
    const dir = copyKnowledge();
    try {
      const file = join(dir, 'manifest.json');
      const m = JSON.parse(readFileSync(file, 'utf8'));
      delete m.version;
      writeFileSync(file, JSON.stringify(m));
      expect(() => loadKnowledge(dir)).toThrow(/manifest\.json: is invalid at version/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shipped knowledge content (shipping rules)', () => {
  const k = loadKnowledge();
  const pair = (seq: number) => k.ddi.pairs.find((p) => p.seq === seq)!;
  const member = (seq: number, name: string) =>
    [...pair(seq).object, ...pair(seq).precipitant].find((m) => m.ingredient === name);

  it('ships no code for members whose RxCUI is not verified', () => {
    expect(member(10, "st john's wort")).toBeDefined();
    expect(member(10, "st john's wort")?.rxcui).toBeUndefined();
    expect(member(15, 'moclobamide')?.rxcui).toBeUndefined();
    expect(member(13, 'ciprofloxacin')?.rxcui).toBe('2551');
  });

  it('grades member tiers as the pairs say', () => {
    expect(member(13, 'ciprofloxacin')?.tier).toBe('critical');
    expect(member(13, 'fluvoxamine')?.tier).toBe('critical');
    expect(member(13, 'mexiletine')?.tier).toBe('warning');
    expect(member(11, 'verapamil')?.tier).toBe('warning');
    expect(member(11, 'clarithromycin')?.tier).toBe('critical');
    expect(member(9, 'fluvoxamine')?.tier).toBe('critical');
    expect(member(9, 'ciprofloxacin')?.tier).toBe('warning');
    expect(member(5, 'fluconazole')?.tier).toBe('warning');
    expect(member(5, 'ketoconazole')?.tier).toBe('critical');
    expect(member(8, 'amiodarone')?.tier).toBe('critical');
  });

  it('flags the QT pair membership and no other', () => {
    expect(pair(8).membershipNote).toMatch(/2014 CredibleMeds/);
    expect(k.ddi.pairs.filter((p) => p.membershipNote)).toHaveLength(1);
  });

  it('ships only verified LOINC codes', () => {
    const egfr = labCodes(k, 'egfr');
    expect([...egfr].sort()).toEqual(['33914-3', '48642-3', '48643-1', '50044-7', '62238-1', '88293-6', '88294-4', '98979-8']);
    expect([...labCodes(k, 'creatinine')].sort()).toEqual(['14682-9', '2160-0', '38483-4', '77140-2']);
    expect([...labCodes(k, 'inr')].sort()).toEqual(['34714-6', '38875-1', '6301-6']);
  });

  it('keeps partial SNOMED class codes out of the matched codes', () => {
    const pen = k.allergy.classes.find((c) => c.id === 'penicillins')!;
    expect(pen.snomedCodes).toHaveLength(0);
    expect(pen.unverifiedSnomedCodes.map((c) => c.code)).toContain('764146007');
    const sulfa = k.allergy.classes.find((c) => c.id === 'sulfonamide-antibacterials')!;
    expect(sulfa.snomedCodes.map((c) => c.code)).toEqual(['387406002']);
  });

  it('carries the metformin rules', () => {
    const r01 = k.renal.rules.find((r) => r.id === 'R01')!;
    const r03 = k.renal.rules.find((r) => r.id === 'R03')!;
    expect([r01.thresholdHigh, r01.indicator, r01.rxcui]).toEqual([30, 'critical', '6809']);
    expect([r03.thresholdHigh, r03.indicator]).toEqual([45, 'warning']);
    expect(r01.source).toMatch(/FDA Drug Safety Communication 2016-04-08/);
  });
});
