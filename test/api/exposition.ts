// Reads the Prometheus text exposition of GET /metrics into samples, for the metrics tests.
import request from 'supertest';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

export class Scrape {
  constructor(
    readonly text: string,
    readonly samples: Sample[],
  ) {}

  /** The value of the sample with exactly these labels (histogram buckets: `le` included), or undefined. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const want = Object.entries(labels);
    return this.samples.find(
      (s) =>
        s.name === name && Object.keys(s.labels).length === want.length && want.every(([k, v]) => s.labels[k] === v),
    )?.value;
  }

  /** Sum over every sample of `name` whose labels include these. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((a, s) => a + s.value, 0);
  }

  /** Every label value of every hookwise_ sample. */
  labelValues(): string[] {
    return this.samples.filter((s) => s.name.startsWith('hookwise_')).flatMap((s) => Object.values(s.labels));
  }
}

export async function scrape(app: Parameters<typeof request>[0]): Promise<Scrape> {
  const res = await request(app).get('/metrics').expect(200);
  return new Scrape(res.text, parseExposition(res.text));
}
