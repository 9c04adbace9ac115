// patient-view-lab-rules.json: critical potassium, warfarin and INR, with their sources and verification.
import { type Row, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';
import { groupOf } from './lab-codes.js';

export function buildPatientViewLabRules({ read, addIngredient }: BuildContext, labs: Record<string, Array<Record<string, string>>>) {
  const f3 = 'renal_dosing_rules.csv';
  const f4 = 'lab_loinc_codes.csv';
  const labRows = read(f4);
  // Codes: potassium LOINC from lab-codes (VERIFIED only). INR LOINC codes are PARTIAL/UNVERIFIED in
  // lab_loinc_codes.csv, so none is shipped: INR results are matched by their name (text confidence).
  const classRows = read('therapeutic_class_map.csv');
  const renalRows = read(f3);
  const drugEntry = (ingredient: string, rows: Row[], file: string, label: string): Record<string, string> => {
    const row = rows.find((r) => normName(r.ingredient ?? r.drug_or_class ?? '') === ingredient && isVerified(r.rxcui_status));
    const entry: Record<string, string> = { ingredient, class: label };
    if (row?.rxcui_ingredient) {
      entry.rxcui = row.rxcui_ingredient;
      entry.rxcuiSources = `${row.rxcui_sources ?? ''} (${file})`;
      addIngredient(ingredient, row.rxcui_ingredient, row.rxcui_status ?? '', row.rxcui_sources ?? '', file);
    } else {
      addIngredient(ingredient, '', '', '', file);
    }
    return entry;
  };
  const potassiumRaising: Array<Record<string, string>> = [];
  for (const r of classRows) {
    const cls = r.class ?? '';
    const label = cls === 'ACE inhibitor' ? 'ACE inhibitor' : cls === 'Angiotensin II receptor blocker' ? 'ARB' : undefined;
    if (!label) continue;
    potassiumRaising.push(drugEntry(normName(r.ingredient ?? ''), [r], 'therapeutic_class_map.csv', label));
  }
  // Spironolactone and trimethoprim: ingredient RxCUIs VERIFIED in renal_dosing_rules.csv (their renal rules are not).
  potassiumRaising.push(drugEntry('spironolactone', renalRows, f3, 'potassium-sparing diuretic'));
  potassiumRaising.push(drugEntry('trimethoprim', renalRows, f3, 'trimethoprim'));
  const warfarinRow = classRows.find((r) => normName(r.ingredient ?? '') === 'warfarin');
  const warfarin: Record<string, string> = { ingredient: 'warfarin' };
  if (warfarinRow && isVerified(warfarinRow.rxcui_status) && warfarinRow.rxcui_ingredient) {
    warfarin.rxcui = warfarinRow.rxcui_ingredient;
    warfarin.rxcuiSources = `${warfarinRow.rxcui_sources ?? ''} (therapeutic_class_map.csv)`;
  }
  const potassiumCodes = labs.potassium ?? [];
  if (potassiumCodes.length === 0) throw new Error(`${f4}: no VERIFIED potassium codes`);
  const inrRows = labRows.filter((r) => groupOf(r.use_in_hookwise ?? '') === 'inr');
  const labRules = {
    notes:
      'Rules of patient-view built on labs, with their sources and verification. Potassium is matched by VERIFIED LOINC ' +
      '(lab-codes.json group "potassium"); INR by VERIFIED LOINC (group "inr", ' + inrRows.filter((r) => isVerified(r.verification)).length +
      ' codes) or else by name, one tier lower.',
    potassium: {
      labGroup: 'potassium',
      lookbackDays: 7,
      lookbackReason: 'hookwise design choice: a potassium older than a week no longer describes the patient for a critical alert',
      acceptedUnits: ['mmol/L', 'mEq/L'],
      unitNote: 'mEq/L equals mmol/L for K+ (monovalent). Any other unit (e.g. mg/dL for 22760-3) is not converted: no card.',
      criticalLow: 2.8,
      criticalHigh: 6.2,
      high: 5.0,
      criticalSource:
        "Survey means of US hospital critical limits (Kost GJ, 'Table of Critical Limits', MLO Clinical Laboratory Reference 2023-24): " +
        'adult potassium low 2.8 mmol/L (SD 0.3), high 6.2 mmol/L (SD 0.4). Cf. Wagar EA et al., Arch Pathol Lab Med 2007;131:1769-75 (CAP Q-Probes, 163 labs)',
      criticalVerification: 'PARTIAL (read via a secondary copy of the table)',
      highSource: 'upper limit of a typical adult reference interval (hookwise design choice, not a published critical limit)',
      highRule: 'above this limit a card is shown only when a potassium-raising drug is active',
      warningHigh: 5.5,
      warningHighSource:
        'hyperkalaemia from 5.5 mmol/L (European Resuscitation Council Guidelines 2021, special circumstances: mild 5.5-5.9, moderate 6.0-6.4, severe 6.5 and above; recalled, not re-read)',
      low: 3.5,
      lowSource:
        'hypokalaemia below 3.5 mmol/L (usual adult reference limit). It predisposes to digoxin toxicity (digoxin labels, e.g. Lanoxin) and to torsade de pointes with QT-prolonging drugs (Drew BJ et al., AHA/ACCF scientific statement, Circulation 2010;121:1047-60); recalled, not re-read',
      lowDrugs: [{ ingredient: 'digoxin', class: 'digoxin' }],
      lowDrugsQtPair: 'onc-hp-08',
      raisingDrugs: potassiumRaising,
      raisingDrugsSource: 'shared/knowledge therapeutic_class_map.csv (ACE inhibitors, ARBs) and renal_dosing_rules.csv (spironolactone, trimethoprim RxCUIs); README §5',
    },
    warfarinInr: {
      drug: warfarin,
      lookbackDays: 30,
      lookbackReason: 'hookwise design choice: the latest INR of the last 30 days',
      textNames: ['inr', 'international normalized ratio', 'international normalised ratio', 'coagulation tissue factor induced.inr'],
      excludeWords: ['goal', 'target', 'range'],
      acceptedUnits: ['', '{INR}', 'INR', '1', '{ratio}', 'ratio'],
      unitNote: 'INR is a ratio without unit; a result in seconds or % is a prothrombin time or activity, not an INR: not used.',
      targetLow: 2.0,
      targetHigh: 3.0,
      targetSource: 'Holbrook A et al. Evidence-based management of anticoagulant therapy (ACCP Antithrombotic Therapy and Prevention of Thrombosis guidelines, 9th ed.), CHEST 2012: target INR 2.0-3.0 for most indications (Grade 1B)',
      targetVerification: 'VERIFIED against the CHEST 2012 abstract',
      critical: 5.0,
      criticalSource: 'INR >= 5 is a common laboratory critical limit (single-laboratory study)',
      criticalVerification: 'PARTIAL',
      vitaminKNote: 'CHEST 2012: INR 4.5-10 without bleeding: routine vitamin K not suggested; INR > 10 without bleeding: oral vitamin K suggested (PARTIAL in the research tables).',
    },
  };
  for (const d of [...potassiumRaising, warfarin]) if (!d.rxcui) process.stderr.write(`note: ${d.ingredient} has no VERIFIED RxCUI: matched by name only\n`);
  return labRules;
}
