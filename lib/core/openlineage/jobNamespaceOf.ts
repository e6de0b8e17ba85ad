/**
 * The default OpenLineage job namespace of a service's tasks: the service
 * name, `<service>-<stage>` when a stage is given (so a dev and a prod
 * deployment are different jobs, as OpenLineage's naming asks of different
 * schedules: https://openlineage.io/docs/spec/naming#job-naming).
 * `custom.sluice.openlineage.namespace` overrides it.
 */
export function jobNamespaceOf(service: string, stage?: string): string {
  return stage ? `${service}-${stage}` : service;
}
