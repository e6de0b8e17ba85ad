import type { Command } from 'commander';

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
      // Loaded here, not at the top: the runtime (SQLite, the HTTP server, the workers) is heavy,
      // and every other command starts faster without it.
      const { exitOnStartFailure, runEmbeddedCli } = await import('../../embedded/runEmbeddedCli.js');
      await runEmbeddedCli(args).catch(exitOnStartFailure);
    });
}
