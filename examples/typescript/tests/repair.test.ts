// The code under test asks for an artifact, sees it missing, and repairs it on the same thread
// (the SDK runs `codex exec ... resume`) with an output schema. Replayed from
// tests/cassettes/tests/repair.test/repairs_a_missing_artifact_on_one_thread.jsonl.
import { existsSync } from "node:fs";
import path from "node:path";
import { Codex } from "@openai/codex-sdk";
import { codexCassette, finishCassette } from "prompt-diary";
import { afterEach, expect, test } from "vitest";
import { files, freshWorkspace, portable } from "./workspace";

afterEach(finishCassette);

const REPAIR_SCHEMA = {
  type: "object",
  properties: { artifact: { type: "string" }, written: { type: "boolean" } },
  required: ["artifact", "written"],
  additionalProperties: false,
};

test("repairs a missing artifact on one thread", async () => {
  const workspace = freshWorkspace();
  const codex = new Codex(codexCassette());
  const thread = codex.startThread({ workingDirectory: workspace, skipGitRepoCheck: true });

  const first = await thread.run("Write artifact.md describing the plan.");
  expect(first.finalResponse).toBe("I have planned the artifact.");
  expect(existsSync(path.join(workspace, "artifact.md"))).toBe(false);

  const repair = await thread.run("artifact.md does not exist. Write it now.", {
    outputSchema: REPAIR_SCHEMA,
  });
  expect(JSON.parse(repair.finalResponse)).toEqual({ artifact: "artifact.md", written: true });
  expect(repair.items.some((item) => item.type === "command_execution")).toBe(true);
  expect(repair.usage?.input_tokens).toBeGreaterThan(0);
  expect(files(workspace)).toEqual({ "artifact.md": "# Artifact\n\nrepaired\n" });

  // Recorded live, this writes the snapshot; replayed (CI), it must equal it: the same
  // finalResponse, items and usage of both runs, and the same files.
  expect({ runs: portable(workspace, [first, repair]), files: files(workspace) }).toMatchSnapshot();
});
