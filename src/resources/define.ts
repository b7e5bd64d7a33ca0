import type { Caller, Coordinator } from '../core/coordinator.js';

export interface ResourceContext {
  coordinator: Coordinator;
  caller: Caller;
}

export interface ResourceContent {
  mimeType: string;
  text: string;
  /**
   * What counts as a change for subscribers (default: the text). Liveness leaves out the last
   * screen line, which changes with every spinner frame.
   */
  changeKey?: string;
}

/** A resource at one fixed URI. */
export interface FixedResource {
  kind: 'fixed';
  name: string;
  uri: string;
  title: string;
  description: string;
  mimeType: string;
  read(ctx: ResourceContext): Promise<ResourceContent>;
}

/** A family of resources under a URI template with `{variables}`. */
export interface TemplateResource {
  kind: 'template';
  name: string;
  uriTemplate: string;
  title: string;
  description: string;
  mimeType: string;
  /** The concrete resources to list (one per known space, …). */
  list(ctx: ResourceContext): Promise<{ uri: string; name: string; title?: string }[]>;
  /** Completions of one template variable. */
  complete: Record<string, (prefix: string, ctx: ResourceContext) => Promise<string[]>>;
  read(vars: Record<string, string>, ctx: ResourceContext): Promise<ResourceContent>;
}

export type ResourceDefinition = FixedResource | TemplateResource;

/** Variables of `uri` under `template` (`boss://space/{space}/agents`), or undefined when it does not match. */
export function matchTemplate(template: string, uri: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  const m = new RegExp(`^${pattern}$`).exec(uri);
  if (!m) return undefined;
  try {
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
  } catch {
    return undefined;
  }
}
