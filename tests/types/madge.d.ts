// madge ships no types; this is the part of its API tests/dependencies.test.ts uses.
declare module 'madge' {
  interface MadgeResult {
    /** Each file (relative to the folder given) with the files it imports. */
    obj(): Record<string, string[]>;
    /** Each import cycle as the files along it. */
    circular(): string[][];
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
  }
  export default function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
}
