/** Types of scripts/build-ui.mjs (plain JS so that `npm install` runs it with node alone). */
export declare const UI_SOURCE: string;
export declare const UI_OUT: string;
export declare function isUiBuildStale(outDir?: string): boolean;
export declare function buildUi(outDir?: string): Promise<{ outDir: string; entry: string; css: string[]; files: string[] }>;
