// Types of prompt-diary's test helper (index.js). See docs/typescript.md in the repository.

/** A record mode, as in vcrpy and pytest-recording. `none` replays only (the default; always under CI). */
export type RecordMode = "none" | "once" | "new_episodes" | "all";

/** The record modes. */
export declare const RECORD_MODES: readonly RecordMode[];

/** The platform packages that carry the executables, by `${process.platform}-${process.arch}`. */
export declare const PLATFORM_PACKAGES: Readonly<Record<string, string>>;

/** What `new Codex(...)` takes from the helper, plus the cassette file and its mode. */
export interface CodexCassette {
  /** The program the SDK runs instead of `codex`: the stand-in, `prompt-diary-codex`. */
  codexPathOverride: string;
  /** This process's environment with the stand-in's settings (`PROMPT_DIARY_CASSETTE`, the mode, the real Codex when recording). */
  env: Record<string, string>;
  /** The cassette file (absolute). */
  cassette: string;
  /** The record mode it was opened with. */
  mode: RecordMode;
}

/** The project file's settings, as `prompt-diary project --json` prints them (defaults filled in). */
export interface ProjectSettings {
  /** The `prompt-diary.toml` found from the folder upwards, or `null`. */
  file: string | null;
  /** The project's root: the file's folder (the folder asked about when there is no file). */
  root: string;
  /** The cassette folder, absolute. */
  cassettes: string;
  /** The Codex version the project pins. */
  codex: string;
  /** `record_mode`, when the file sets one. */
  record_mode: RecordMode | null;
  /** `record_command`, when the file sets one. */
  record_command: string | null;
  /** `[[volatile]]` rules. */
  volatile: { name: string; pattern: string }[];
  /** `[[redact]]` rules. */
  redact: { name: string; pattern: string }[];
  /** A test's cassette, when asked for with `--test` (`cassettePath` does). */
  cassette: string | null;
}

/**
 * The options for `new Codex({...})` that run the current test through the stand-in with its
 * cassette, `<cassette folder>/<test file>/<test name>.jsonl` (the folder: the project file's
 * `cassettes`, found from the test file's folder upwards; without one, `cassettes/` beside the
 * test file, whatever the working directory). The test file and name come from
 * vitest's or jest's `expect.getState()`; `name` replaces the test name (needed outside a test).
 * Throws under `none` when the cassette is missing, naming the command that records it.
 */
export declare function codexCassette(name?: string): CodexCassette;

/**
 * Ends the cassettes opened since the last call; throws when a replayed cassette has recorded
 * runs the test did not make. Wire it once: `afterEach(finishCassette)` (jest:
 * `afterEach(() => finishCassette())`). Quiet when the vitest test context says the test failed.
 */
export declare function finishCassette(context?: unknown): void;

/** The cassette path `codexCassette(name)` would use, as `prompt-diary project --test` names it; the project file is looked for from `dir` (default: the running test file's folder, else the working directory). */
export declare function cassettePath(name?: string, dir?: string): string;

/** The record mode a cassette opened now gets, and where it comes from (a variable, `CI`, the project file, the default). */
export declare function recordMode(dir?: string): { mode: RecordMode; source: string };

/** The real Codex that records: `PROMPT_DIARY_CODEX_BIN`, else `prompt-diary install-codex` (the project's pin), else `codex` on PATH. */
export declare function realCodex(dir?: string): { path: string; source: string };

/** `prompt-diary project --json` for `dir` (default: the working directory). */
export declare function projectSettings(dir?: string): ProjectSettings;

/** The stand-in `prompt-diary-codex`: `PROMPT_DIARY_STAND_IN`, else the installed platform package's. Throws naming the platforms that have one. */
export declare function standInPath(): string;

/** The `prompt-diary` command line, beside the stand-in. */
export declare function cliPath(): string;
