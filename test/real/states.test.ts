/**
 * list_liveness on the real Claude Code: every state of test/real/scenarios.ts, live, at 120x40 and
 * 80x30, read through the built stdio server exactly as an operator would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { startBench, type Bench } from './harness.js';

const SIZES = [
  { width: 120, height: 40 },
  { width: 80, height: 30 },
] as const;

function check(s: Scenario, row: Awaited<ReturnType<Bench['row']>>): void {
  expect(row.exists).toBe(true);
  expect(row.state, `${s.name}: state`).toBe(s.state);
  if (s.state === 'waiting_approval') {
    expect(row.needs_approval).toBe(true);
    expect(row.tool_name, `${s.name}: tool`).toBe(s.toolName);
    expect(row.prompt_id).toMatch(/^[0-9a-f]{12}$/);
    for (const part of s.subject ?? []) expect(row.prompt_text, `${s.name}: prompt text`).toContain(part);
  } else {
    expect(row.needs_approval).toBe(false);
    expect(row.tool_name).toBeUndefined();
  }
}

for (const size of SIZES) {
  for (const start of ['manual', 'plan', 'untrusted'] as const) {
    const list = SCENARIOS.filter((s) => s.start === start);
    describe(`real Claude Code ${size.width}x${size.height}, ${start}: list_liveness`, { timeout: 60_000 }, () => {
      let bench: Bench;
      beforeAll(async () => {
        bench = await startBench({
          ...size,
          ...(start === 'plan' && { permissionMode: 'plan' }),
          ...(start === 'untrusted' && { trusted: false }),
        });
      }, 90_000);
      afterAll(async () => {
        await bench?.close();
      });

      for (const s of list) {
        it(`${s.name} → ${s.state}${s.toolName ? ` (${s.toolName})` : ''}`, async () => {
          await s.drive(bench);
          // The probe may race a redraw; the state must hold once the screen is in it.
          const row = await bench.waitForRow((r) => r.state === s.state && (s.toolName === undefined || r.tool_name === s.toolName), `${s.name}: ${s.state}`, 10_000);
          check(s, row);
          await s.reset(bench);
        });
      }
    });
  }
}
