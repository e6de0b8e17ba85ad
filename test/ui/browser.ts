import { chromium, type Browser } from 'playwright-core';
import { buildUi, isUiBuildStale } from '../../scripts/build-ui.mjs';

/** Debian's chromium (`.ci/run` installs it when missing). */
export const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Chromium flags for a closed machine: without the background-networking
 * ones it tries to reach Google's services and this network refuses them.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Builds dist/ui when it is missing or older than ui/ (esbuild: well under a second). */
export async function ensureUiBuilt(): Promise<void> {
  if (isUiBuildStale()) await buildUi();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
