// A second test file with a cassette of its own (vitest runs the two files in two workers):
// one run that writes notes.md. Replayed from tests/cassettes/tests/notes.test/writes_one_note.jsonl.
import { Codex } from "@openai/codex-sdk";
import { codexCassette, finishCassette } from "prompt-diary";
import { afterEach, expect, test } from "vitest";
import { files, freshWorkspace, portable } from "./workspace";

afterEach(finishCassette);

test("writes one note", async () => {
  const workspace = freshWorkspace();
  const codex = new Codex(codexCassette());
  const thread = codex.startThread({ workingDirectory: workspace, skipGitRepoCheck: true });

  const run = await thread.run("Write notes.md with one note.");
  expect(run.finalResponse).toBe("notes.md has one note.");
  expect(files(workspace)).toEqual({ "notes.md": "first note\n" });

  expect({ runs: portable(workspace, [run]), files: files(workspace) }).toMatchSnapshot();
});
