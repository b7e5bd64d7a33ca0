import { completeFrom, listSpaces } from '../core/directory.js';
import { LIVENESS_STATES } from '../core/liveness.js';
import { checkSpace } from './agents.js';
import type { TemplateResource } from './define.js';

export const livenessResource: TemplateResource = {
  kind: 'template',
  name: 'liveness',
  uriTemplate: 'boss://liveness/{space}',
  title: 'Live session states of a space',
  description:
    `One row per agent of the space: whether its session exists, its state (${LIVENESS_STATES.join(', ')}), a pending prompt's tool and prompt_id, and its last status (JSON array, as list_liveness).`,
  mimeType: 'application/json',
  async list(ctx) {
    return (await listSpaces(ctx.coordinator)).map((s) => ({ uri: `boss://liveness/${encodeURIComponent(s)}`, name: `${s} liveness`, title: `Liveness of "${s}"` }));
  },
  complete: {
    space: async (prefix, ctx) => completeFrom(await listSpaces(ctx.coordinator), prefix),
  },
  async read(vars, ctx) {
    const space = checkSpace(vars.space);
    const rows = await ctx.coordinator.listLiveness(space);
    return {
      mimeType: 'application/json',
      text: JSON.stringify(rows, null, 2),
      // The last screen line changes with every spinner frame: not a change worth a notification.
      changeKey: JSON.stringify(rows.map(({ last_line: _ignored, ...rest }) => rest)),
    };
  },
};
