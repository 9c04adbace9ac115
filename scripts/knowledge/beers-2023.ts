// beers-2023.json: AGS Beers Criteria 2023 entries whose criterion is VERIFIED.
import { col, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';

export function buildBeers({ read }: BuildContext) {
  const f5 = 'beers_2023_subset.csv';
  const BEERS_CITATION = '2023 American Geriatrics Society (AGS) Beers Criteria®. J Am Geriatr Soc 2023;71:2052-81. doi:10.1111/jgs.18372';
  const beersRows = read(f5);
  const beersEntries = beersRows
    .filter((r) => isVerified(col(r, 'criterion_verification', f5).replace(/^criterion\s+/i, '')))
    .map((r) => {
      const raw = normName(col(r, 'ingredient', f5));
      const paren = /^(.*?)\s*\(([^)]+)\)\s*$/.exec(raw);
      const ingredient = paren?.[1]?.trim() ?? raw;
      const e: Record<string, unknown> = {
        criterion: col(r, 'criterion', f5),
        ingredient,
        recommendation: col(r, 'recommendation', f5),
        table: /Table\s*(\d+)/.exec(col(r, 'source', f5))?.[1] ?? '2',
        criterionVerification: col(r, 'criterion_verification', f5),
      };
      if (paren?.[2]) e.aliases = [paren[2].trim()];
      if (isVerified(col(r, 'rxcui_status', f5)) && r.rxcui_ingredient) {
        e.rxcui = r.rxcui_ingredient;
        e.rxcuiSources = r.rxcui_sources ?? '';
      }
      if (r.exception_note && (/diphenhydramine/.test(r.exception_note) ? ingredient === 'diphenhydramine' : true)) e.exception = r.exception_note;
      // "Avoid starting warfarin … continuing long-term well-controlled warfarin may be reasonable": the criterion
      // is about a new start, so it applies only to a warfarin the patient began within this many days.
      if (ingredient === 'warfarin') {
        e.newStartDays = 90;
        e.newStartNote = 'hookwise design choice: a warfarin whose earliest order, statement, dispense or administration is within 90 days, without a prior prescription, is a new start';
      }
      return e;
    });
  const beersSkipped = beersRows.filter((r) => !isVerified((r.criterion_verification ?? '').replace(/^criterion\s+/i, '')));
  const beers = {
    notes:
      'Only rows whose criterion_verification is VERIFIED are shipped (' + beersEntries.length + ' of ' + beersRows.length + '). ' +
      'Not shipped: ' + [...new Set(beersSkipped.map((r) => `${r.criterion} (${(r.criterion_verification ?? '').replace(/^criterion\s+/i, '').split(' ')[0]})`))].join('; ') + '. ' +
      'AGS Beers Criteria® are AGS copyright and trademark: drug-level facts are cited, not reproduced; check AGS licensing before commercial use.',
    minimumAge: 65,
    citation: BEERS_CITATION,
    doi: '10.1111/jgs.18372',
    url: 'https://doi.org/10.1111/jgs.18372',
    entries: beersEntries,
  };
  return beers;
}
