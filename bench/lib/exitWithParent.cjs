'use strict';
/**
 * Preloaded (`node --require`) into every benchmark child: the runner keeps
 * the child's stdin open, so when the runner dies, even by SIGKILL, stdin
 * ends and the child terminates itself (SIGTERM: a graceful stop where the
 * child handles it). No benchmark server outlives `npm run bench`.
 *
 * Main thread only: Node 20 also runs `--require` preloads in the module
 * hooks thread that `--import tsx` starts, whose stdin is empty and ends at once.
 */
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
}
