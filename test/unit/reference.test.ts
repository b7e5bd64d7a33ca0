import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listSurface, REFERENCE_PATH, renderReference } from '../../scripts/reference.js';

describe('the MCP surface', () => {
  it('docs/reference.md is what the definitions generate (run "npm run docs:reference" after changing a tool, prompt or resource)', async () => {
    const generated = renderReference(await listSurface());
    expect(readFileSync(REFERENCE_PATH, 'utf8')).toBe(generated);
  });

  it('snapshot: names, titles, annotations and schemas of every tool, prompt and resource', async () => {
    const s = await listSurface();
    const surface = {
      tools: s.tools.map((t) => ({ name: t.name, title: t.title, annotations: t.annotations, inputSchema: t.inputSchema, outputSchema: t.outputSchema })),
      prompts: s.prompts.map((p) => ({ name: p.name, title: p.title, arguments: p.arguments })),
      resources: s.resources.map((r) => ({ uri: r.uri, name: r.name, title: r.title, mimeType: r.mimeType })),
      resourceTemplates: s.resourceTemplates.map((r) => ({ uriTemplate: r.uriTemplate, name: r.name, title: r.title, mimeType: r.mimeType })),
    };
    await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot('__snapshots__/mcp-surface.json');
  });

  it('uses no null types (not portable across MCP clients) and describes every input field', async () => {
    const { tools } = await listSurface();
    expect(JSON.stringify(tools)).not.toMatch(/"null"/);
    for (const t of tools) {
      for (const [field, schema] of Object.entries(t.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${t.name}.${field}`).toBeTruthy();
      }
    }
  });
});
