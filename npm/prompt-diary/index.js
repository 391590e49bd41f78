// prompt-diary for JavaScript and TypeScript tests: points @openai/codex-sdk at prompt-diary's
// stand-in (`prompt-diary-codex`, from the platform package) with a cassette per test.
//
//   const codex = new Codex(codexCassette());   // inside a vitest or jest test
//   afterEach(finishCassette);                  // fails a test that left recorded runs unused
//
// Every rule (the cassette's path, the record mode and CI, the real Codex, unused runs) is the
// `prompt-diary` command line's: this file finds the executables, asks it (`project --json`,
// `unused-runs --json`), sets the test's environment and reports.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The platform packages that carry the executables, by `process.platform-process.arch`. */
export const PLATFORM_PACKAGES = Object.freeze({ "linux-x64": "prompt-diary-linux-x64" });

/** A folder holding the executables, used instead of the platform package's (the Python plugin reads it too). */
export const BIN_DIR_ENV = "PROMPT_DIARY_BIN_DIR";

const HINT = `build the executables from the prompt-diary repository (cargo build --release --bins) and set ${BIN_DIR_ENV} to target/release`;

/** The folder holding `prompt-diary-codex` and `prompt-diary`: `PROMPT_DIARY_BIN_DIR`, else the platform package's `bin`. */
export function binDir() {
  const override = process.env[BIN_DIR_ENV];
  if (override) {
    const dir = path.resolve(override);
    if (!fs.existsSync(path.join(dir, "prompt-diary-codex"))) {
      throw new Error(`${BIN_DIR_ENV} is ${override}, but there is no prompt-diary-codex there`);
    }
    return dir;
  }
  const platform = `${process.platform}-${process.arch}`;
  const pkg = PLATFORM_PACKAGES[platform];
  if (!pkg) {
    throw new Error(`prompt-diary has no executables for ${platform} (platform packages exist for ${Object.keys(PLATFORM_PACKAGES).join(", ")} only); ${HINT}`);
  }
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin");
  } catch {
    throw new Error(
      `the platform package ${pkg} is not installed (it is an optional dependency of prompt-diary, built for glibc: ` +
        `was it installed with --omit=optional, or is this a musl system such as Alpine?); reinstall prompt-diary with optional dependencies, or ${HINT}`,
    );
  }
}

/** Runs `prompt-diary ARGS...` (a `--json` command) and returns what it printed; its message on failure. */
export function ask(...args) {
  try {
    const out = execFileSync(path.join(binDir(), "prompt-diary"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out);
  } catch (error) {
    throw new Error(`prompt-diary ${args[0]}: ${String(error.stderr ?? "").trim() || error.message}`);
  }
}

// vitest and jest both keep the running test's state here (`expect.getState()` reads it).
function currentTest() {
  return globalThis[Symbol.for("$$jest-matchers-object")]?.state ?? {};
}

/**
 * What `prompt-diary project --json --runner vitest --test-file FILE --test PART...` says of the
 * running test (or of `name`): its cassette, the record mode in effect, the real Codex when it records.
 */
export function testPlan(name) {
  const { testPath, currentTestName } = currentTest();
  const test = name ?? currentTestName;
  if (!test) {
    throw new Error(
      "codexCassette() found no running test (vitest's and jest's expect state are empty): " +
        'call it inside a test, or name the cassette: codexCassette("my-session")',
    );
  }
  const args = ["project", "--json", "--runner", "vitest", "--dir", testPath ? path.dirname(path.resolve(testPath)) : process.cwd()];
  if (testPath) args.push("--test-file", path.resolve(testPath));
  for (const part of test.split(" > ")) args.push("--test", part);
  return ask(...args);
}

function recordCommand(plan) {
  const { testPath, currentTestName } = currentTest();
  const file = testPath ? path.relative(process.cwd(), testPath) : "";
  const filter = currentTestName ? ` -t ${JSON.stringify(currentTestName.split(" > ").at(-1))}` : "";
  const own = plan.record_command ? ` (or the project's record command: ${plan.record_command})` : "";
  return `PROMPT_DIARY_RECORD_MODE=once npx vitest run ${file}${filter}`.trim() + `${own}, then commit ${path.relative(process.cwd(), plan.cassette)}`;
}

let said = false; // the real Codex, said on stderr once per worker
let scratch = null; // the stand-in notes each run it replays in a ledger here (PROMPT_DIARY_USED_RUNS)
const opened = [];

/**
 * The options for `new Codex({...})` that run this test through the stand-in with its cassette:
 * `{ codexPathOverride, env }`, plus `cassette` (the file) and `mode` for the test's own use.
 */
export function codexCassette(name) {
  const plan = testPlan(name);
  if (plan.missing) {
    throw new Error(`no cassette at ${plan.cassette}, and the record mode is none (${plan.mode_source}). Record it: ${recordCommand(plan)}`);
  }
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "prompt-diary-"));
    process.once("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));
  }
  const ledger = path.join(scratch, `${process.pid}-${opened.length + 1}-${Date.now()}.runs`);
  const env = { ...process.env, PROMPT_DIARY_CASSETTE: plan.cassette, PROMPT_DIARY_RECORD_MODE: plan.mode, PROMPT_DIARY_USED_RUNS: ledger };
  if (plan.real_codex) {
    env.PROMPT_DIARY_CODEX_BIN = plan.real_codex.path;
    if (!said) process.stderr.write(`prompt-diary: recording through ${plan.real_codex.path} (${plan.real_codex.source})\n`);
    said = true;
    fs.mkdirSync(path.dirname(plan.cassette), { recursive: true });
  }
  opened.push({ plan, ledger });
  return { codexPathOverride: path.join(binDir(), "prompt-diary-codex"), env, cassette: plan.cassette, mode: plan.mode };
}

/**
 * Ends the cassettes opened since the last call: throws when a replayed cassette holds recorded
 * runs the test never made (the code under test now does less than it did when recorded). Wire
 * it once: `afterEach(finishCassette)`. Quiet for a test that already failed.
 */
export function finishCassette(context) {
  const done = opened.splice(0);
  const failed = context?.task?.result?.state === "fail" || context?.task?.result?.errors?.length;
  const problems = failed ? [] : done.filter(({ plan }) => plan.check_unused).flatMap(({ plan, ledger }) => {
    const { runs, unused } = ask("unused-runs", plan.cassette, "--used", ledger, "--json");
    const list = unused.map((u) => `  run ${u.run}: ${JSON.stringify(u.prompt)}`).join("\n");
    return unused.length ? [`${plan.cassette}: ${runs} recorded runs, ${unused.length} left unused:\n${list}`] : [];
  });
  for (const { ledger } of done) fs.rmSync(ledger, { force: true });
  if (problems.length) {
    throw new Error(`${problems.join("\n")}\nThe code under test did less than when it was recorded: fix it, or record again with PROMPT_DIARY_RECORD_MODE=all`);
  }
}
