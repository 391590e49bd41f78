// prompt-diary for JavaScript and TypeScript tests: points @openai/codex-sdk at prompt-diary's
// stand-in (`prompt-diary-codex`, from the platform package) with a cassette per test.
//
//   const codex = new Codex(codexCassette());   // inside a vitest or jest test
//   afterEach(finishCassette);                  // fails a test that left recorded runs unused
//
// Everything else (matching, recording, reports) is the stand-in's: this file only finds the
// executables, asks `prompt-diary project` for the cassette, resolves the record mode and the real
// Codex, and reads which runs were used.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The platform packages that carry the executables, by `process.platform-process.arch`. */
export const PLATFORM_PACKAGES = Object.freeze({ "linux-x64": "prompt-diary-linux-x64" });

/** The record modes, as in vcrpy and pytest-recording. */
export const RECORD_MODES = Object.freeze(["none", "once", "new_episodes", "all"]);

// The old names, still accepted from the environment.
const ALIASES = { replay: "none", auto: "once", record: "all" };

const NO_STAND_IN_HINT =
  "build the executables from the prompt-diary repository (cargo build --release --bins) and " +
  "set PROMPT_DIARY_STAND_IN to target/release/prompt-diary-codex";

/** The stand-in's path: `PROMPT_DIARY_STAND_IN`, else the installed platform package's. */
export function standInPath() {
  const override = process.env.PROMPT_DIARY_STAND_IN;
  if (override) {
    const file = path.resolve(override);
    if (!fs.existsSync(file)) {
      throw new Error(`PROMPT_DIARY_STAND_IN is ${override}, but there is no file there`);
    }
    return file;
  }
  const platform = `${process.platform}-${process.arch}`;
  const pkg = PLATFORM_PACKAGES[platform];
  if (!pkg) {
    throw new Error(
      `prompt-diary has no executables for ${platform}: platform packages exist for ` +
        `${Object.keys(PLATFORM_PACKAGES).join(", ")} only; ${NO_STAND_IN_HINT}`,
    );
  }
  let manifest;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(
      `the platform package ${pkg} is not installed (it is an optional dependency of ` +
        `prompt-diary, built for glibc: was it installed with --omit=optional, or is this a ` +
        `musl system such as Alpine?); reinstall prompt-diary with optional dependencies, or ` +
        NO_STAND_IN_HINT,
    );
  }
  return path.join(path.dirname(manifest), "bin", "prompt-diary-codex");
}

/** The `prompt-diary` command line, beside the stand-in. */
export function cliPath() {
  return path.join(path.dirname(standInPath()), "prompt-diary");
}

const projects = new Map();

/** What `prompt-diary project --json` says for `dir`: the project file found from it upwards. */
export function projectSettings(dir = process.cwd()) {
  const key = path.resolve(dir);
  if (!projects.has(key)) {
    projects.set(key, JSON.parse(runCli(["project", "--json", "--dir", key])));
  }
  return projects.get(key);
}

function runCli(args) {
  try {
    return execFileSync(cliPath(), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const said = String(error.stderr ?? "").trim() || error.message;
    throw new Error(`prompt-diary ${args[0]} failed: ${said}`);
  }
}

function ciIsSet() {
  const value = process.env.CI;
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

function resolveMode(project) {
  const variable = process.env.PROMPT_DIARY_RECORD_MODE?.trim()
    ? "PROMPT_DIARY_RECORD_MODE"
    : process.env.PROMPT_DIARY_CASSETTE_MODE?.trim()
      ? "PROMPT_DIARY_CASSETTE_MODE"
      : null;
  if (variable) {
    const asked = process.env[variable].trim();
    const mode = ALIASES[asked] ?? asked;
    if (!RECORD_MODES.includes(mode)) {
      throw new Error(`${variable}=${asked} is not a record mode: use none, once, new_episodes or all`);
    }
    if (mode !== "none" && ciIsSet()) {
      throw new Error(
        `${variable}=${asked} asks to record, but CI is set and CI only replays: ` +
          "record on your machine and commit the cassette",
      );
    }
    return { mode, source: variable };
  }
  if (ciIsSet()) return { mode: "none", source: "CI" };
  if (project.record_mode) return { mode: project.record_mode, source: project.file };
  return { mode: "none", source: "the default" };
}

/** The record mode a cassette opened now gets, and where it comes from. */
export function recordMode(dir = process.cwd()) {
  return resolveMode(projectSettings(dir));
}

// vitest and jest both keep the running test's state here (`expect.getState()` reads it).
function currentTest() {
  return globalThis[Symbol.for("$$jest-matchers-object")]?.state ?? {};
}

function testFile() {
  const { testPath } = currentTest();
  return testPath ? path.resolve(testPath) : null;
}

/** The folder a test's project file is looked for from: the running test file's, else `cwd`. */
function testDir() {
  const file = testFile();
  return file ? path.dirname(file) : process.cwd();
}

/**
 * The cassette a test gets, as `prompt-diary project --test-file FILE --test PART... --runner
 * vitest` names it: `<cassette folder>/<test file>/<test name>.jsonl`. With a project file the
 * folder is its `cassettes` and the test file is its path from the project root; without one,
 * `cassettes/` beside the test file. `name` replaces the test name; `dir` is where the project
 * file is looked for (default: the test file's folder).
 */
export function cassettePath(name, dir) {
  const { currentTestName } = currentTest();
  const test = name ?? currentTestName;
  if (!test) {
    throw new Error(
      "codexCassette() found no running test (vitest's and jest's expect state are empty): " +
        'call it inside a test, or name the cassette: codexCassette("my-session")',
    );
  }
  const args = ["project", "--json", "--runner", "vitest", "--dir", path.resolve(dir ?? testDir())];
  const file = testFile();
  if (file) args.push("--test-file", file);
  for (const part of test.split(" > ")) args.push("--test", part);
  return JSON.parse(runCli(args)).cassette;
}

let realCodexFound = null;

function onPath(program) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir || ".", program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The real Codex that records: `PROMPT_DIARY_CODEX_BIN`, else the project's pin installed by
 * `prompt-diary install-codex`, else `codex` on PATH. Says which on stderr, once.
 */
export function realCodex(dir = process.cwd()) {
  if (realCodexFound) return realCodexFound;
  const project = projectSettings(dir);
  let found;
  if (process.env.PROMPT_DIARY_CODEX_BIN) {
    found = { path: process.env.PROMPT_DIARY_CODEX_BIN, source: "PROMPT_DIARY_CODEX_BIN" };
  } else {
    try {
      const args = ["install-codex", "--dir", project.root, "--version", project.codex];
      const lines = runCli(args).trim().split("\n");
      const pin = project.file ? `pinned in ${project.file}` : "prompt-diary's default pin";
      found = { path: lines.at(-1), source: `prompt-diary install-codex, Codex ${project.codex} ${pin}` };
    } catch (error) {
      const codex = onPath("codex");
      if (!codex) {
        throw new Error(
          `no real Codex to record with: PROMPT_DIARY_CODEX_BIN is not set, ${error.message}, ` +
            "and there is no `codex` on PATH",
        );
      }
      found = { path: codex, source: `codex on PATH; ${error.message}` };
    }
  }
  process.stderr.write(`prompt-diary: recording through ${found.path} (${found.source})\n`);
  realCodexFound = found;
  return found;
}

// A folder for the test's ledgers: the stand-in notes there the number of each run it replays
// (`PROMPT_DIARY_USED_RUNS`), and finishCassette() reads which recorded runs were left unused.
let scratch = null;
function scratchDir() {
  if (scratch) return scratch;
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "prompt-diary-"));
  process.once("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));
  return scratch;
}

function recordCommand(project, cassette) {
  const { testPath, currentTestName } = currentTest();
  const file = testPath ? path.relative(process.cwd(), testPath) : "";
  const filter = currentTestName ? ` -t ${JSON.stringify(currentTestName.split(" > ").at(-1))}` : "";
  const vitest = `PROMPT_DIARY_RECORD_MODE=once npx vitest run ${file}${filter}`.trim();
  const own = project.record_command ? ` (or the project's record command: ${project.record_command})` : "";
  return `${vitest}${own}, then commit ${path.relative(process.cwd(), cassette)}`;
}

const opened = [];
let ledgers = 0;

/**
 * The options for `new Codex({...})` that run this test through the stand-in with its cassette:
 * `{ codexPathOverride, env }`, plus `cassette` (the file) and `mode` for the test's own use.
 */
export function codexCassette(name) {
  const project = projectSettings(testDir());
  const { mode, source } = resolveMode(project);
  const cassette = cassettePath(name);
  const exists = fs.existsSync(cassette);
  if (mode === "none" && !exists) {
    const ci = source === "CI" ? " CI only replays: record it on your machine." : "";
    throw new Error(
      `no cassette at ${cassette}, and the record mode is none (${source}).${ci} ` +
        `Record it: ${recordCommand(project, cassette)}`,
    );
  }
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  env.PROMPT_DIARY_CASSETTE = cassette;
  env.PROMPT_DIARY_RECORD_MODE = mode;
  delete env.PROMPT_DIARY_CASSETTE_MODE;
  const records = mode === "all" || mode === "new_episodes" || (mode === "once" && !exists);
  if (records) {
    env.PROMPT_DIARY_CODEX_BIN = realCodex().path;
    fs.mkdirSync(path.dirname(cassette), { recursive: true });
  }
  const codexPathOverride = standInPath();
  env.PROMPT_DIARY_USED_RUNS = path.join(scratchDir(), `${process.pid}-${(ledgers += 1)}.runs`);
  opened.push({ cassette, mode, replays: !records || mode === "new_episodes", ledger: env.PROMPT_DIARY_USED_RUNS });
  return { codexPathOverride, env, cassette, mode };
}

function recordedPrompts(cassette) {
  const prompts = [];
  for (const line of fs.readFileSync(cassette, "utf8").split("\n")) {
    if (!line.includes('"invocation"')) continue;
    const entry = JSON.parse(line);
    if (entry.kind !== "invocation") continue;
    // The prompt: stdin, else the last argument (`codex exec "PROMPT"`).
    const stdin = String(entry.stdin ?? "");
    const last = String(entry.args?.at(-1) ?? "");
    const text = stdin.trim() || last === "" || last === "-" ? stdin : last;
    prompts.push(text.split("\n")[0]);
  }
  return prompts;
}

function usedRuns(ledger) {
  if (!fs.existsSync(ledger)) return new Set();
  const used = new Set(fs.readFileSync(ledger, "utf8").split("\n").filter(Boolean).map(Number));
  fs.rmSync(ledger, { force: true });
  return used;
}

/**
 * Ends the cassettes opened since the last call: throws when a replayed cassette holds recorded
 * runs the test never made (the code under test now does less than it did when recorded). Wire it once: `afterEach(finishCassette)`. Quiet for a test that already failed.
 */
export function finishCassette(...args) {
  const context = args[0];
  const done = opened.splice(0);
  const used = done.map((entry) => usedRuns(entry.ledger));
  const failed = context?.task?.result?.state === "fail" || context?.task?.result?.errors?.length;
  if (failed) return;
  const problems = [];
  done.forEach((entry, index) => {
    if (!entry.replays || !fs.existsSync(entry.cassette)) return;
    const prompts = recordedPrompts(entry.cassette);
    const unused = prompts.map((prompt, n) => [n + 1, prompt]).filter(([n]) => !used[index].has(n));
    if (!unused.length) return;
    const list = unused.map(([n, prompt]) => `  run ${n}: ${JSON.stringify(prompt)}`).join("\n");
    problems.push(
      `${entry.cassette}: ${prompts.length} recorded runs, ${unused.length} left unused:\n${list}`,
    );
  });
  if (problems.length) {
    throw new Error(
      `${problems.join("\n")}\nThe code under test did less than when it was recorded: fix it, ` +
        "or record again with PROMPT_DIARY_RECORD_MODE=all",
    );
  }
}
