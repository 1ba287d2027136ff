// Integrations: the glue between an executor and a service provider (DESIGN.md §1, magnus-spec.md §6.2),
// keyed by (executor, service, provider). A missing pair is a no-op; a duplicate pair is an error that names
// both sources (a silent "last one wins" hides plugin clashes).
import type { ServiceName, ServiceSection } from '../config/types.js';

export type IntegratedService = Exclude<ServiceName, 'executor'>;

export interface IntegrationContext {
  executor: ServiceSection;
  /** The effective section of the service this integration is for. */
  section: ServiceSection;
  /** Whether branches may run at the same time (local executor's enable_parallel / max_parallel). */
  parallel: boolean;
}

export interface IntegrationCheck {
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
}

/** A host path made visible inside a container (local-container executor). */
export interface ContainerMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** What a service needs so that a step in a container reaches it as the host does. */
export interface ContainerGlue {
  readonly mounts?: readonly ContainerMount[];
  /**
   * Variables for the container: a value, or null to pass the host's own value through by name (`-e NAME`),
   * so that credentials never appear on an engine's command line.
   */
  readonly env?: Readonly<Record<string, string | null>>;
}

export interface ContainerContext extends IntegrationContext {
  /** Where dagc traverses (relative service paths resolve against it). */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every secret name a step asks for (the nodes' secret_as_env values). */
  readonly secretNames: readonly string[];
}

export interface Integration {
  readonly executor: string;
  readonly service: IntegratedService;
  readonly provider: string;
  /** Problems with this combination; errors stop the run before anything executes. */
  validate?(ctx: IntegrationContext): IntegrationCheck[];
  /** Adjusts the service config where dagc traverses (e.g. mounts for a container engine). */
  configureForTraversal?(ctx: IntegrationContext): ServiceSection;
  /** Adjusts the service config where a step executes (e.g. paths inside a pod or container). */
  configureForExecution?(ctx: IntegrationContext): ServiceSection;
  /** Mounts and variables a container needs to reach this service (local-container executor). */
  containerGlue?(ctx: ContainerContext): ContainerGlue;
}

export class DuplicateIntegrationError extends Error {
  constructor(key: string, first: string, second: string) {
    super(`Two integrations for ${key}: one from ${first}, one from ${second}`);
    this.name = 'DuplicateIntegrationError';
  }
}

export function integrationKey(executor: string, service: string, provider: string): string {
  return `${executor}/${service}/${provider}`;
}

export class IntegrationRegistry {
  private readonly entries = new Map<string, { integration: Integration; source: string }>();

  register(integration: Integration, source: string): void {
    const key = integrationKey(integration.executor, integration.service, integration.provider);
    const existing = this.entries.get(key);
    if (existing) throw new DuplicateIntegrationError(key, existing.source, source);
    this.entries.set(key, { integration, source });
  }

  get(executor: string, service: IntegratedService, provider: string): Integration | undefined {
    return this.entries.get(integrationKey(executor, service, provider))?.integration;
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
