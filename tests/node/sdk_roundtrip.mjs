// Drives the official Codex TypeScript SDK (@openai/codex-sdk) through the prompt-diary stand-in:
// a first run that leaves artifact.md missing, then a repair run on the same thread (the SDK
// resumes it with `codex exec ... resume THREAD_ID`) that asks for an output schema.
//
// usage: node sdk_roundtrip.mjs SDK_DIR STAND_IN WORKSPACE FIRST_PROMPT REPAIR_PROMPT
//
// SDK_DIR is the npm prefix holding the SDK (.prompt-diary/node-sdk). The stand-in gets only the
// environment named below (the SDK's `env` option replaces the parent's). Prints one JSON object:
// {"turns": [{"finalResponse", "items", "usage", "artifact_exists"}...], "files": {...}}; when a
// run rejects it prints {"error": message, "turns": [...]} and exits 3.
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, standIn, workspace, firstPrompt, repairPrompt] = process.argv.slice(2);
if (!repairPrompt) {
  console.error("usage: node sdk_roundtrip.mjs SDK_DIR STAND_IN WORKSPACE FIRST_PROMPT REPAIR_PROMPT");
  process.exit(2);
}

// The SDK is an ES module reached through its package's "exports" entry.
async function loadSdk(prefix) {
  const packageDir = path.join(prefix, "node_modules", "@openai", "codex-sdk");
  const manifest = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8"));
  const entry = manifest.exports?.["."]?.import ?? manifest.module;
  return import(pathToFileURL(path.join(packageDir, entry)).href);
}

const FORWARDED = ["PATH", "HOME", "TMPDIR", "CODEX_HOME"];
function standInEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (FORWARDED.includes(key) || key.startsWith("PROMPT_DIARY_")) env[key] = value;
  }
  return env;
}

const REPAIR_SCHEMA = {
  type: "object",
  properties: { artifact: { type: "string" }, written: { type: "boolean" } },
  required: ["artifact", "written"],
  additionalProperties: false,
};

async function files(dir) {
  const out = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = await readFile(path.join(dir, name), "utf8");
  }
  return out;
}

const { Codex } = await loadSdk(sdkDir);
const codex = new Codex({ codexPathOverride: standIn, env: standInEnv() });
const thread = codex.startThread({ workingDirectory: workspace, skipGitRepoCheck: true });
const turns = [];
const artifact = path.join(workspace, "artifact.md");
try {
  const first = await thread.run(firstPrompt);
  turns.push({ ...first, artifact_exists: existsSync(artifact) });
  const repair = await thread.run(repairPrompt, { outputSchema: REPAIR_SCHEMA });
  turns.push({ ...repair, artifact_exists: existsSync(artifact) });
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error), turns }));
  process.exit(3);
}
console.log(JSON.stringify({ turns, files: await files(workspace) }));
