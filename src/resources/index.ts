import { spaceAgentsResource } from './agents.js';
import type { ResourceDefinition } from './define.js';
import { livenessResource } from './liveness.js';
import { protocolResource } from './protocol.js';

/** Every resource the server offers (readable, and subscribable for change notifications). */
export const resources: readonly ResourceDefinition[] = [protocolResource, spaceAgentsResource, livenessResource];
