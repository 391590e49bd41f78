// The helper's wiring only (every rule is the command line's, tested in Rust): the environment
// it hands the SDK from `prompt-diary project --json`, the missing-cassette error, and the
// unused runs `prompt-diary unused-runs` lists. Run: PROMPT_DIARY_BIN_DIR=target/debug
// node --test npm/prompt-diary/test/ (after `cargo build`).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { codexCassette, finishCassette } from "../index.js";

const project = fs.mkdtempSync(path.join(os.tmpdir(), "prompt-diary-helper-"));
fs.writeFileSync(path.join(project, "prompt-diary.toml"), 'cassettes = "recorded"\n');
const testFile = path.join(project, "tests", "notes.test.ts");

function running(name) {
  globalThis[Symbol.for("$$jest-matchers-object")] = { state: { testPath: testFile, currentTestName: name } };
}

// A recorded exec cassette of two runs, from the example suite.
const RECORDED = new URL("../../../examples/typescript/tests/cassettes/tests/repair.test/repairs_a_missing_artifact_on_one_thread.jsonl", import.meta.url);

test("a replayed test gets the stand-in, its cassette and the mode the command line answers", () => {
  delete process.env.PROMPT_DIARY_RECORD_MODE;
  running("group > writes one note");
  const cassette = path.join(project, "recorded", "tests", "notes.test", "group", "writes_one_note.jsonl");
  fs.mkdirSync(path.dirname(cassette), { recursive: true });
  fs.copyFileSync(RECORDED, cassette);
  const options = codexCassette();
  assert.equal(path.basename(options.codexPathOverride), "prompt-diary-codex");
  assert.equal(options.env.PROMPT_DIARY_CASSETTE, cassette);
  assert.equal(options.env.PROMPT_DIARY_RECORD_MODE, "none");
  assert.equal(options.env.PROMPT_DIARY_CODEX_BIN, process.env.PROMPT_DIARY_CODEX_BIN);
  fs.writeFileSync(options.env.PROMPT_DIARY_USED_RUNS, "1\n"); // what the stand-in notes
  assert.throws(() => finishCassette(), /2 recorded runs, 1 left unused:\n {2}run 2: "artifact.md does not exist. Write it now."/);
});

test("a missing cassette under none throws with the command that records it", () => {
  running("never recorded");
  assert.throws(() => codexCassette(), (error) => {
    assert.match(error.message, /^no cassette at .*never_recorded\.jsonl, and the record mode is none \(the default\)/);
    assert.match(error.message, /PROMPT_DIARY_RECORD_MODE=once npx vitest run .*notes\.test\.ts -t "never recorded"/);
    return true;
  });
});

test("the command line's refusal reaches the test: CI never records", () => {
  running("writes one note");
  process.env.CI = "true";
  process.env.PROMPT_DIARY_RECORD_MODE = "all";
  try {
    assert.throws(() => codexCassette(), /CI is set, and CI never records/);
  } finally {
    delete process.env.CI;
    delete process.env.PROMPT_DIARY_RECORD_MODE;
  }
});
