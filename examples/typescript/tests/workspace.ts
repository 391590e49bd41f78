// What the example tests share: a fresh folder for the agent, and a run's outcome written so
// that a recording and its replay compare (the folder's path left out).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RunResult } from "@openai/codex-sdk";

export function freshWorkspace(): string {
  return mkdtempSync(path.join(tmpdir(), "example-ws-"));
}

/** The files the agent left in `workspace`, by name. */
export function files(workspace: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(workspace).sort()) {
    out[name] = readFileSync(path.join(workspace, name), "utf8");
  }
  return out;
}

/** `finalResponse`, items and usage of each run, with the workspace's path replaced. */
export function portable(workspace: string, runs: RunResult[]): unknown {
  const text = JSON.stringify(
    runs.map(({ finalResponse, items, usage }) => ({ finalResponse, items, usage })),
  );
  return JSON.parse(text.replaceAll(workspace, "<workspace>"));
}
