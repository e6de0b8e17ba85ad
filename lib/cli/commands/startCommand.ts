import type { Command } from 'commander';
import { exitOnStartFailure, runEmbeddedCli } from '../../embedded/runEmbeddedCli.js';

/**
 * `sluice start [runtime options]`: the embedded runtime, exactly as
 * `npm start` runs it (same code, same option parsing: parseCliOptions.ts).
 * Its options go through untouched; `sluice start --help` prints them.
 */
export function startCommand(program: Command, onStarted: () => void): void {
  program
    .command('start')
    .description('serve serverless.yml on the embedded runtime (npm start); sluice start --help for its options')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .action(async (args: string[]) => {
      onStarted();
      await runEmbeddedCli(args).catch(exitOnStartFailure);
    });
}
