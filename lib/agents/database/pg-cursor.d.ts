// pg-cursor ships no types and @types/pg-cursor is not a dependency: the part the database agent uses.
declare module 'pg-cursor' {
  import type { CustomTypesConfig, Submittable } from 'pg';

  export default class Cursor<Row = Record<string, unknown>> implements Submittable {
    constructor(text: string, values?: unknown[], config?: { rowMode?: 'array'; types?: CustomTypesConfig });
    submit: Submittable['submit'];
    read(rowCount: number): Promise<Row[]>;
    close(): Promise<void>;
  }
}
