// Read once, at module load; the Lambda bundle inlines the JSON (esbuild), so no file is read there.
import packageJson from '../../package.json' with { type: 'json' };

/** Sluice's version (package.json), e.g. for the OpenLineage `processing_engine` facet. */
export const SLUICE_VERSION: string = packageJson.version;

/** The OpenLineage `producer` of the run events Sluice writes: a URI naming this code and its version. */
export const SLUICE_PRODUCER = `urn:sluice:${SLUICE_VERSION}`;
