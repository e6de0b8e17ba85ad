/**
 * `npm start`: serves every data process of serverless.yml on the embedded
 * runtime (`sluice start` runs the same code; see runEmbeddedCli.ts).
 *
 *   node --import tsx lib/embedded/cli.ts [--config serverless.yml] [--port 3000]
 *     [--host 127.0.0.1] [--data-dir .sluice] [--stage dev] [--durability normal|full]
 */
import { exitOnStartFailure, runEmbeddedCli } from './runEmbeddedCli.js';

runEmbeddedCli(process.argv.slice(2)).catch(exitOnStartFailure);
