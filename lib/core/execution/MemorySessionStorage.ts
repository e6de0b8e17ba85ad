import { SluiceError } from '../errors.js';
import type { SessionStorage } from '../process/types.js';

/**
 * Per-task session storage. Values are stored as JSON copies, so a logic
 * cannot mutate what another logic stored by holding a reference, and a
 * value that would not survive serialisation is refused at `set` time (the
 * same rule LOC's session agent applies).
 */
export class MemorySessionStorage implements SessionStorage {
  readonly #values = new Map<string, string>();

  get<T = unknown>(key: string): T | undefined {
    const raw = this.#values.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  set(key: string, value: unknown): void {
    let raw: string | undefined;
    try {
      raw = JSON.stringify(value);
    } catch (cause) {
      throw new SluiceError(`session value '${key}' is not JSON-serialisable`, { cause });
    }
    if (raw === undefined) throw new SluiceError(`session value '${key}' is not JSON-serialisable (${typeof value})`);
    this.#values.set(key, raw);
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  delete(key: string): boolean {
    return this.#values.delete(key);
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }

  clear(): void {
    this.#values.clear();
  }
}
