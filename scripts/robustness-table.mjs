#!/usr/bin/env node
// Prints the robustness catalogue as Markdown tables (one per face) with each case's result, from a
// vitest JSON report:
//   npx vitest run test/hardening/catalogue.test.ts --reporter=json --outputFile=catalogue.json
//   node scripts/robustness-table.mjs catalogue.json
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/robustness-table.mjs REPORT.json\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const rows = report.testResults.flatMap((f) => f.assertionResults).filter((t) => t.ancestorTitles.length === 2);
const cell = (s) => s.replace(/\|/g, '\\|');
const faces = [...new Set(rows.map((r) => r.ancestorTitles[1]))];
let n = 0;
for (const face of faces) {
  process.stdout.write(`\n### ${face}\n\n| # | input | expected answer | result |\n|---|---|---|---|\n`);
  for (const r of rows.filter((x) => x.ancestorTitles[1] === face)) {
    const [input, expected = ''] = r.title.split(' → ');
    process.stdout.write(`| ${++n} | ${cell(input)} | ${cell(expected)} | ${r.status === 'passed' ? 'pass' : r.status} |\n`);
  }
}
const passed = rows.filter((r) => r.status === 'passed').length;
process.stdout.write(`\n${passed} of ${rows.length} cases passed.\n`);
