import { PROTOCOL } from '../prompts/protocol.js';
import type { FixedResource } from './define.js';

export const protocolResource: FixedResource = {
  kind: 'fixed',
  name: 'protocol',
  uri: 'boss://protocol',
  title: 'How agents work together here',
  description: 'The coordination protocol: registering, reporting status, asking for help, and steering other agents.',
  mimeType: 'text/markdown',
  async read() {
    return { mimeType: 'text/markdown', text: PROTOCOL };
  },
};
