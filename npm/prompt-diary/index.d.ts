// Types of prompt-diary's test helper (index.js). See docs/typescript.md in the repository.

/** A record mode, as in vcrpy and pytest-recording. `none` replays only (the default; always under CI). */
export type RecordMode = "none" | "once" | "new_episodes" | "all";

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

/** What `prompt-diary project --json --test ...` answers for a test (the keys the helper reads). */
export interface TestPlan {
  /** The test's cassette (absolute). */
  cassette: string;
  /** The record mode in effect (`PROMPT_DIARY_RECORD_MODE`, the project file; CI never records). */
  mode: RecordMode;
  /** Who asked for it, for people: the variable, `CI`, the project file, the default. */
  mode_source: string;
  /** The cassette is missing and the mode replays only: the test fails before it runs. */
  missing: boolean;
  /** After the test, recorded `codex exec` runs left unused fail it. */
  check_unused: boolean;
  /** The real Codex a recording goes through (`null` when the test only replays). */
  real_codex: { path: string; source: string } | null;
  /** `record_command` of the project file, if any. */
  record_command: string | null;
}

/** A folder holding the executables, used instead of the platform package's: `PROMPT_DIARY_BIN_DIR`. */
export declare const BIN_DIR_ENV: "PROMPT_DIARY_BIN_DIR";

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

/** `prompt-diary project --json` for the running test (or `name`): what `codexCassette` sets up from. */
export declare function testPlan(name?: string): TestPlan;

/** Runs `prompt-diary ARGS...` (a `--json` command) and returns what it printed; throws with its message. */
export declare function ask(...args: string[]): any;

/** The folder holding `prompt-diary-codex` and `prompt-diary`: `PROMPT_DIARY_BIN_DIR`, else the installed platform package's. Throws naming the platforms that have one. */
export declare function binDir(): string;
