/**
 * The domain's vocabulary as the faces see it: what an agent record holds, the statuses an agent
 * reports, a report, an event of the feed. Defined with the store's contract (src/store/store.ts),
 * which every store implements; faces take them from here, never from the store.
 */
export { AGENT_STATUSES, type AgentRecord, type AgentStatus, type Report, type StoredEvent } from '../store/store.js';
export type { ApprovalRuleRecord } from '../store/hooks-store.js';
export { backendNameOf } from '../backends/registry.js';
