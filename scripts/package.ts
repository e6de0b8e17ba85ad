/**
 * `npm run package [-- --stage prod ...]`: packages the service for AWS with
 * `serverless package` (osls), offline, into `.serverless/` (one zip per
 * function plus the CloudFormation templates), without deploying anything.
 *
 * Packaging never calls AWS, but the framework insists on credentials and a
 * region before it starts: dummy ones are set when none are, so it works in
 * a clean clone. Real credentials in the environment are left alone (they
 * are not used either). Extra arguments pass through; `--package <dir>`
 * overrides the output directory.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'node_modules', '.bin', process.platform === 'win32' ? 'serverless.cmd' : 'serverless');

if (!existsSync(bin)) {
  console.error(`serverless (osls) is not installed at ${bin}: run npm install first`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (!args.some((arg) => arg === '--package' || arg === '-p' || arg.startsWith('--package='))) args.push('--package', '.serverless');

const env: NodeJS.ProcessEnv = { ...process.env };
env.AWS_ACCESS_KEY_ID ??= 'packaging-only';
env.AWS_SECRET_ACCESS_KEY ??= 'packaging-only';
env.AWS_REGION ??= 'us-east-1';

const child = spawn(bin, ['package', ...args], { cwd: repo, env, stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`could not run ${bin}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  process.exit(code ?? 1);
});
