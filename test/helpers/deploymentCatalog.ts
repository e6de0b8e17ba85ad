import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDeploymentCatalog } from '../../lib/aws/config/deploymentCatalog.js';
import type { ServiceManifest, SluiceSettings } from '../../lib/config/ServiceManifest.js';

/** Writes a deployment catalog as the plugin would, into a fresh temporary directory; returns its absolute path (the `SLUICE_CATALOG` value). */
export function writeTestCatalog(
  manifest: Pick<ServiceManifest, 'processes'> & Partial<Pick<ServiceManifest, 'connections' | 'service' | 'stage' | 'queues' | 'authorizers'>> & { settings?: Pick<SluiceSettings, 'events'> },
): string {
  return writeDeploymentCatalog(mkdtempSync(join(tmpdir(), 'sluice-catalog-')), {
    ...manifest,
    processes: manifest.processes,
    connections: manifest.connections ?? [],
    ...(manifest.settings ? { settings: manifest.settings } : {}),
  });
}
