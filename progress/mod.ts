/**
 * Progress of long work (the Default job's benchmark, Advanced jobs, endpoint creation): one
 * model — phase, users, throughput, elapsed and remaining time — and three renderers: in the Deno
 * Jupyter kernel one updating display, on a terminal one updating line on stderr, and plain lines
 * when stderr is not a terminal. `--quiet` (or {@linkcode setProgressMode}`("quiet")`) silences it.
 *
 * @module
 */

/** Where a long step stands. */
export interface ProgressState {
  /** The step reporting, e.g. `recommend`. */
  step: string;
  /** What it is doing, e.g. `benchmark` or `Advanced job IN_PROGRESS`. */
  phase: string;
  /** Simulated users (closed loop) now. */
  users?: number;
  /** Completed requests per second now. */
  throughput?: number;
  /** Milliseconds since the work started (on the backend's clock). */
  elapsedMs?: number;
  /** Milliseconds still expected, when known. */
  remainingMs?: number;
  /** Anything else worth a glance (instances in service, latest latency). */
  detail?: string;
}

/** How progress is shown. */
export type ProgressMode = "notebook" | "terminal" | "lines" | "quiet";

/**
 * The state of a Default job benchmark from one of the load generator's progress lines
 * (`users 4 | 784 req/s | p95 14.53 ms | errors 0 | 10 s` or
 * `level    4 users | 786 ok/s | p50 3.35 ms | ...`); with the ramp's longest length, the time
 * left at most.
 *
 * @example Usage
 * ```ts
 * import { benchmarkProgress } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(benchmarkProgress("users 4 | 784 req/s | p95 14.53 ms | errors 0 | 10 s"), {
 *   step: "recommend", phase: "benchmark", users: 4, throughput: 784, elapsedMs: 10_000,
 *   detail: "p95 14.53 ms | errors 0",
 * });
 * ```
 */
export function benchmarkProgress(
  line: string,
  options: {
    /** The most seconds the whole ramp can take (levels x seconds per level): sets remaining. */
    mostSeconds?: number;
  } = {},
): ProgressState {
  const users = /(?:^|\|)\s*(?:users\s+(\d+)|level\s+(\d+)\s+users)/.exec(line);
  const throughput = /([\d,.]+)\s+(?:req|ok)\/s/.exec(line);
  const elapsed = /\|\s*(\d+)\s*s\s*$/.exec(line);
  const p95 = /p95 [\d.]+ ms/.exec(line)?.[0];
  const errors = /errors \d+/.exec(line)?.[0];
  const state: ProgressState = { step: "recommend", phase: "benchmark" };
  if (users) state.users = Number(users[1] ?? users[2]);
  if (throughput) state.throughput = Number(throughput[1].replace(/,/g, ""));
  if (elapsed) {
    state.elapsedMs = Number(elapsed[1]) * 1000;
    if (options.mostSeconds !== undefined) {
      state.remainingMs = Math.max(0, options.mostSeconds * 1000 - state.elapsedMs);
    }
  }
  const detail = [p95, errors].filter(Boolean).join(" | ");
  if (detail) state.detail = detail;
  // Anything but a level line (the stop reason, a warning) is a phase of its own, shown whole.
  if (state.users === undefined) return { step: "recommend", phase: line };
  return state;
}

/** Draws progress states and one-off notes. */
export interface ProgressRenderer {
  /** Shows the latest state of a long step. */
  show(state: ProgressState): void;
  /** A one-off message (`created bucket ...`), kept above the updating line. */
  note(step: string, message: string): void;
  /** The long step ended: the next state starts a new line or display. */
  end(): void;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * Fraction done, when elapsed and remaining are both known.
 *
 * @example Usage
 * ```ts
 * import { progressFraction } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(progressFraction({ step: "s", phase: "p", elapsedMs: 1, remainingMs: 3 }), 0.25);
 * assert.equal(progressFraction({ step: "s", phase: "p", elapsedMs: 1 }), undefined);
 * ```
 */
export function progressFraction(state: ProgressState): number | undefined {
  if (state.elapsedMs === undefined || state.remainingMs === undefined) return undefined;
  const total = state.elapsedMs + state.remainingMs;
  return total > 0 ? Math.min(1, Math.max(0, state.elapsedMs / total)) : undefined;
}

/**
 * One line for a state: step, phase, a bar when the fraction is known, users, throughput,
 * elapsed and remaining time.
 *
 * @example Usage
 * ```ts
 * import { formatProgress } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   formatProgress({ step: "evaluate", phase: "Advanced job IN_PROGRESS", users: 16, throughput: 4100, elapsedMs: 900_000, remainingMs: 900_000 }),
 *   "evaluate: Advanced job IN_PROGRESS [##########----------] 50 % | 16 users | 4,100 req/s | 15:00 elapsed | 15:00 left",
 * );
 * ```
 */
export function formatProgress(state: ProgressState, options: { barWidth?: number } = {}): string {
  const width = options.barWidth ?? 20;
  const parts = [`${state.step}: ${state.phase}`];
  const fraction = progressFraction(state);
  if (fraction !== undefined) {
    const filled = Math.round(fraction * width);
    parts[0] += ` [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${
      Math.round(fraction * 100)
    } %`;
  }
  if (state.users !== undefined) parts.push(`${state.users.toLocaleString("en-US")} users`);
  if (state.throughput !== undefined) {
    parts.push(`${Math.round(state.throughput).toLocaleString("en-US")} req/s`);
  }
  if (state.detail) parts.push(state.detail);
  if (state.elapsedMs !== undefined) parts.push(`${clock(state.elapsedMs)} elapsed`);
  if (state.remainingMs !== undefined) parts.push(`${clock(state.remainingMs)} left`);
  return parts.join(" | ");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The MIME bundle of the notebook display: a progress bar (HTML) and the same line as text.
 *
 * @example Usage
 * ```ts
 * import { progressBundle } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const bundle = progressBundle({ step: "s", phase: "p", elapsedMs: 1, remainingMs: 1 });
 * assert.match(bundle["text/html"], /<progress value="50" max="100">/);
 * ```
 */
export function progressBundle(
  state: ProgressState,
  lastNote?: string,
): Record<string, string> {
  const line = formatProgress(state);
  const fraction = progressFraction(state);
  const bar = fraction === undefined
    ? "<progress></progress>"
    : `<progress value="${Math.round(fraction * 100)}" max="100"></progress>`;
  const note = lastNote === undefined ? "" : `<br><small>${escapeHtml(lastNote)}</small>`;
  return {
    "text/plain": lastNote === undefined ? line : `${line}\n${lastNote}`,
    "text/html": `<div>${bar} <code>${escapeHtml(line)}</code>${note}</div>`,
  };
}

/** What the renderers write to; stderr by default. */
export interface ProgressSinkOptions {
  /** Writes text (no newline added). @default {stderr} */
  write?: (text: string) => void;
  /**
   * Plain lines: the fewest milliseconds of wall time between two lines of one phase (a
   * new phase always prints).
   * @default {5000}
   */
  lineIntervalMs?: number;
  /** Wall clock, for the line interval. @default {Date.now} */
  now?: () => number;
  /** Terminal width for the updating line. @default {the terminal's, or 100} */
  columns?: number;
}

const encoder = new TextEncoder();
function writeStderr(text: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(text));
  } catch {
    // stderr closed: progress is best effort
  }
}

/**
 * Plain lines: a line per phase change, and at most one per `lineIntervalMs` while a phase lasts
 * (on AWS a poll every 30–60 s prints; on the local backend's instant clock only phases print).
 *
 * @example Usage
 * ```ts
 * import { linesRenderer } from "./mod.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * let t = 0;
 * const r = linesRenderer({ write: (s) => out += s, now: () => t });
 * r.show({ step: "evaluate", phase: "PENDING" });
 * r.show({ step: "evaluate", phase: "PENDING" });
 * t = 6000;
 * r.show({ step: "evaluate", phase: "PENDING", elapsedMs: 60_000 });
 * assert.equal(out, "evaluate: PENDING\nevaluate: PENDING | 1:00 elapsed\n");
 * ```
 */
export function linesRenderer(options: ProgressSinkOptions = {}): ProgressRenderer {
  const write = options.write ?? writeStderr;
  const now = options.now ?? Date.now;
  const interval = options.lineIntervalMs ?? 5000;
  let lastKey = "";
  let lastAt = -Infinity;
  return {
    show(state) {
      const key = `${state.step}|${state.phase}`;
      const t = now();
      if (key === lastKey && t - lastAt < interval) return;
      lastKey = key;
      lastAt = t;
      write(`${formatProgress(state)}\n`);
    },
    note(step, message) {
      write(`${step}: ${message}\n`);
    },
    end() {
      lastKey = "";
    },
  };
}

/**
 * One updating line on a terminal: `\r` and erase-line redraw it; notes are printed above it.
 *
 * @example Usage
 * ```ts
 * import { terminalRenderer } from "./mod.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * const r = terminalRenderer({ write: (s) => out += s, columns: 80 });
 * r.show({ step: "recommend", phase: "benchmark", users: 4 });
 * r.note("recommend", "level done");
 * r.end();
 * assert.equal(out, "\r\x1b[Krecommend: benchmark | 4 users\r\x1b[Krecommend: level done\n\r\x1b[Krecommend: benchmark | 4 users\n");
 * ```
 */
export function terminalRenderer(options: ProgressSinkOptions = {}): ProgressRenderer {
  const write = options.write ?? writeStderr;
  const columns = options.columns ?? terminalColumns();
  let current: string | undefined;
  const draw = () => {
    if (current !== undefined) write(`\r\x1b[K${current.slice(0, Math.max(10, columns - 1))}`);
  };
  return {
    show(state) {
      current = formatProgress(state);
      draw();
    },
    note(step, message) {
      write(`\r\x1b[K${step}: ${message}\n`);
      draw();
    },
    end() {
      if (current !== undefined) write("\n");
      current = undefined;
    },
  };
}

function terminalColumns(): number {
  try {
    // A pseudo-terminal may report 0 columns: then assume a usual width.
    const { columns } = Deno.consoleSize();
    return columns >= 20 ? columns : 100;
  } catch {
    return 100;
  }
}

/** The part of `Deno.jupyter` the notebook renderer uses. */
export interface JupyterBroadcast {
  broadcast(
    msgType: string,
    content: Record<string, unknown>,
  ): Promise<void> | void;
}

function jupyter(): JupyterBroadcast | undefined {
  try {
    // `Deno.jupyter` exists only under `deno jupyter`; elsewhere reading it may throw.
    const j = (Deno as unknown as { jupyter?: JupyterBroadcast }).jupyter;
    return typeof j?.broadcast === "function" ? j : undefined;
  } catch {
    return undefined;
  }
}

let displayCount = 0;

/**
 * One updating display per long step in the Jupyter kernel: a `display_data` with a display id,
 * then `update_display_data` for every later state and note of the same step, until it ends or
 * another step reports.
 *
 * @example Usage
 * ```ts
 * import { notebookRenderer } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const sent: string[] = [];
 * const r = notebookRenderer({ broadcast: (type) => { sent.push(type); } });
 * r.show({ step: "evaluate", phase: "PENDING" });
 * r.show({ step: "evaluate", phase: "IN_PROGRESS" });
 * r.end();
 * r.show({ step: "evaluate", phase: "PENDING" });
 * assert.deepEqual(sent, ["display_data", "update_display_data", "display_data"]);
 * ```
 */
export function notebookRenderer(kernel: JupyterBroadcast): ProgressRenderer {
  let displayId: string | undefined;
  let state: ProgressState | undefined;
  let lastNote: string | undefined;
  const send = () => {
    if (state === undefined) return;
    const type = displayId === undefined ? "display_data" : "update_display_data";
    displayId ??= `scaling-lab-progress-${++displayCount}`;
    try {
      const sent = kernel.broadcast(type, {
        data: progressBundle(state, lastNote),
        metadata: {},
        transient: { display_id: displayId },
      });
      if (sent instanceof Promise) sent.catch(() => {});
    } catch {
      // the kernel went away: progress is best effort
    }
  };
  const end = () => {
    displayId = undefined;
    state = undefined;
    lastNote = undefined;
  };
  // A display belongs to one step: another step's report starts a new one, so that a later
  // cell never updates the output of an earlier one.
  const enter = (step: string) => {
    if (state !== undefined && state.step !== step) end();
  };
  return {
    show(next) {
      enter(next.step);
      state = next;
      send();
    },
    note(step, message) {
      enter(step);
      if (state === undefined) {
        state = { step, phase: message };
      } else {
        lastNote = `${step}: ${message}`;
      }
      send();
    },
    end,
  };
}

const quietRenderer: ProgressRenderer = { show() {}, note() {}, end() {} };

/**
 * The mode this process should use: the kernel, a terminal on stderr, or plain lines.
 *
 * @example Usage
 * ```ts
 * import { detectProgressMode } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(["notebook", "terminal", "lines"].includes(detectProgressMode()));
 * ```
 */
export function detectProgressMode(): ProgressMode {
  if (jupyter() !== undefined) return "notebook";
  try {
    if (Deno.stderr.isTerminal()) return "terminal";
  } catch {
    // no stderr
  }
  return "lines";
}

/**
 * A renderer for a mode (`notebook` outside the kernel falls back to lines).
 *
 * @example Usage
 * ```ts
 * import { progressRenderer } from "./mod.ts";
 * let out = "";
 * progressRenderer("lines", { write: (s) => out += s }).show({ step: "s", phase: "p" });
 * if (out !== "s: p\n") throw new Error(out);
 * ```
 */
export function progressRenderer(
  mode: ProgressMode,
  options: ProgressSinkOptions = {},
): ProgressRenderer {
  if (mode === "quiet") return quietRenderer;
  if (mode === "notebook") {
    const kernel = jupyter();
    if (kernel !== undefined) return notebookRenderer(kernel);
  }
  return mode === "terminal" ? terminalRenderer(options) : linesRenderer(options);
}

let active: ProgressRenderer | undefined;

/**
 * Chooses how progress is shown from now on (`quiet` silences it); `auto` detects it again.
 *
 * @example Usage
 * ```ts
 * import { reportProgress, setProgressMode } from "./mod.ts";
 * setProgressMode("quiet");
 * reportProgress({ step: "evaluate", phase: "IN_PROGRESS" }); // shows nothing
 * setProgressMode("auto");
 * ```
 */
export function setProgressMode(mode: ProgressMode | "auto"): void {
  active?.end();
  active = progressRenderer(mode === "auto" ? detectProgressMode() : mode);
}

/**
 * Shows progress with a renderer of your own (a log, a test) from now on.
 *
 * @example Usage
 * ```ts
 * import { endProgress, progressNote, reportProgress, setProgressMode, setProgressRenderer } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * setProgressRenderer({ show: (s) => void seen.push(s.phase), note: (_, m) => void seen.push(m), end() {} });
 * reportProgress({ step: "scale", phase: "Creating" });
 * progressNote("scale", "created");
 * endProgress();
 * setProgressMode("auto");
 * assert.deepEqual(seen, ["Creating", "created"]);
 * ```
 */
export function setProgressRenderer(renderer: ProgressRenderer): void {
  active?.end();
  active = renderer;
}

function renderer(): ProgressRenderer {
  return active ??= progressRenderer(detectProgressMode());
}

/** Reports the latest state of a long step. */
export function reportProgress(state: ProgressState): void {
  renderer().show(state);
}

/** Reports a one-off message of a step. */
export function progressNote(step: string, message: string): void {
  renderer().note(step, message);
}

/** Ends the current long step's line or display. */
export function endProgress(): void {
  renderer().end();
}
