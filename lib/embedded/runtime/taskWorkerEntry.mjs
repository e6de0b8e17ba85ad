// Entry of a task worker thread (see WorkerTaskExecutor.ts). Workers do not
// inherit the main thread's module hooks, so TypeScript support (tsx) is
// registered here before the worker module and the process module load; this
// works the same under `npm start`, vitest and the benchmarks.
import { register } from 'tsx/esm/api';

register();
await import('./taskWorkerThread.ts');
