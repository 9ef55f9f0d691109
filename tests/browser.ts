/**
 * Opens a page in headless Chromium (Debian's `chromium`) over the DevTools protocol, waits until
 * it says it is ready, takes a full-page screenshot and measures the ink in given boxes, and
 * collects every error the console logged (console.error, uncaught exceptions, failed loads).
 *
 * No npm dependency: Deno's built-in WebSocket speaks the protocol.
 *
 * @module
 */
import { findProgram } from "../scripts/packages.ts";
import { type Box, type BoxInk, boxInk, decodePng } from "./png.ts";

/** What to install when Chromium is missing. */
export const CHROMIUM_HINT = "apt-get install -y chromium";

/** The flags Chromium runs with: headless, offline-quiet, a fresh profile (added per run). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--remote-debugging-port=0",
];

/** Chromium's path (`CHROMIUM` env, else Debian's `chromium` on PATH), or undefined. */
export async function findChromium(): Promise<string | undefined> {
  const explicit = Deno.env.get("CHROMIUM");
  if (explicit) return explicit;
  return await findProgram("chromium");
}

/** A chart's box on the page, in CSS pixels of the full page. */
export interface LabelledBox extends Box {
  /** What is in it (shown in assertion messages). */
  label: string;
}

/** Options for {@linkcode screenshotPage}. */
export interface ScreenshotOptions {
  /**
   * A JavaScript expression, evaluated (and awaited) until it is truthy: the page is ready.
   *
   * @default {"document.readyState === 'complete'"}
   */
  ready?: string;
  /** A JavaScript expression giving the boxes to measure, `LabelledBox[]` in page coordinates. */
  boxes: string;
  /**
   * Viewport width in CSS pixels.
   *
   * @default {1100}
   */
  width?: number;
  /**
   * Milliseconds to wait for the page to load and be ready.
   *
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * Where to save the screenshot (PNG).
   *
   * @default {undefined} not saved
   */
  saveTo?: string;
}

/** What {@linkcode screenshotPage} saw. */
export interface PageShot {
  /** Each box with its ink. */
  boxes: (LabelledBox & BoxInk)[];
  /** Every error the console logged, one line each. */
  errors: string[];
  /** The screenshot's size in pixels. */
  size: { width: number; height: number };
}

/**
 * Loads `url` in a fresh headless Chromium, screenshots the whole page and measures its boxes.
 *
 * @param url The page (`file://` or `http://127.0.0.1…`).
 * @param options When it is ready, which boxes, viewport width, timeout, where to save the shot.
 * @returns The boxes with their ink, the console's errors and the screenshot's size.
 */
export async function screenshotPage(url: string, options: ScreenshotOptions): Promise<PageShot> {
  const {
    ready = "document.readyState === 'complete'",
    boxes,
    width = 1100,
    timeoutMs = 60_000,
    saveTo,
  } = options;
  const chromium = await findChromium();
  if (chromium === undefined) throw new Error(`Cannot find chromium: ${CHROMIUM_HINT}`);
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(chromium, {
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "about:blank"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let cdp: Cdp | undefined;
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    cdp = await Cdp.connect(await devtoolsUrl(child.stderr, deadline));
    const errors: string[] = [];
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    const page = (method: string, params: Record<string, unknown> = {}) =>
      cdp!.send(method, params, sessionId as string);
    cdp.listen((event) => {
      if (event.sessionId !== sessionId) return;
      const error = consoleError(event.method, event.params);
      if (error !== undefined) errors.push(error);
    });
    await page("Page.enable");
    await page("Runtime.enable");
    await page("Log.enable");
    const metrics = { width, deviceScaleFactor: 1, mobile: false };
    await page("Emulation.setDeviceMetricsOverride", { ...metrics, height: 900 });
    const loaded = cdp.next((e) => e.sessionId === sessionId && e.method === "Page.loadEventFired");
    await page("Page.navigate", { url });
    await Promise.race([loaded, aborted(deadline)]);
    while (!(await evaluate(page, ready))) {
      if (deadline.aborted) throw new Error(`Cannot screenshot ${url}: not ready (${ready})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const height = Math.min(
      16_000,
      Number(await evaluate(page, "document.documentElement.scrollHeight")),
    );
    await page("Emulation.setDeviceMetricsOverride", { ...metrics, height });
    await evaluate(
      page,
      "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
    );
    const found = await evaluate(page, boxes) as LabelledBox[];
    const shoot = async (clip?: Box) => {
      const { data } = await page("Page.captureScreenshot", {
        format: "png",
        ...(clip ? { clip: { ...clip, scale: 1 }, captureBeyondViewport: true } : {}),
      });
      return Uint8Array.from(atob(data as string), (c) => c.charCodeAt(0));
    };
    const png = await shoot();
    if (saveTo !== undefined) await Deno.writeFile(saveTo, png);
    const image = decodePng(png);
    // Each box from a shot of its own: a page taller than the whole-page shot (16,000 px at most)
    // still has every chart measured.
    const measured = [];
    for (const box of found) {
      const whole = { x: 0, y: 0, width: box.width, height: box.height };
      const shot = box.width > 0 && box.height > 0 ? decodePng(await shoot(box)) : undefined;
      measured.push({ ...box, ...(shot ? boxInk(shot, whole) : { inked: 0, colours: 0 }) });
    }
    return { boxes: measured, errors, size: { width: image.width, height: image.height } };
  } finally {
    await cdp?.send("Browser.close").catch(() => {});
    cdp?.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** One line for a console event that is an error, else undefined. */
function consoleError(method: string, params: Record<string, unknown>): string | undefined {
  if (method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(String(params.type))) {
    const args = params.args as { value?: unknown; description?: string }[];
    return `console.${params.type}: ${args.map((a) => a.description ?? String(a.value)).join(" ")}`;
  }
  if (method === "Runtime.exceptionThrown") {
    const details = params.exceptionDetails as {
      text: string;
      exception?: { description?: string };
    };
    return `uncaught: ${details.exception?.description ?? details.text}`;
  }
  if (method === "Log.entryAdded") {
    const entry = params.entry as { level: string; text: string; url?: string; source: string };
    if (entry.level === "error") return `${entry.source}: ${entry.text} ${entry.url ?? ""}`.trim();
  }
  return undefined;
}

async function evaluate(
  page: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>,
  expression: string,
): Promise<unknown> {
  const { result, exceptionDetails } = await page("Runtime.evaluate", {
    expression,
    awaitPromise: true,
    returnByValue: true,
  }) as { result: { value?: unknown }; exceptionDetails?: { text: string } };
  if (exceptionDetails) throw new Error(`Cannot evaluate ${expression}: ${exceptionDetails.text}`);
  return result.value;
}

async function devtoolsUrl(stderr: ReadableStream<Uint8Array>, signal: AbortSignal) {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    while (!signal.aborted) {
      const { value, done } = await Promise.race([reader.read(), aborted(signal)]);
      if (done) break;
      seen += value;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match) return match[1];
    }
  } finally {
    reader.releaseLock();
  }
  throw new Error(`Cannot start chromium: ${seen.trim().slice(-500)}`);
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new Error(`Cannot screenshot: ${signal.reason}`));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

/** A DevTools protocol event. */
interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/** The DevTools protocol over one WebSocket (flat sessions). */
class Cdp {
  #nextId = 1;
  #pending = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  #listeners: ((event: CdpEvent) => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data));
      if (typeof data.id === "number") {
        const pending = this.#pending.get(data.id);
        this.#pending.delete(data.id);
        if (data.error) pending?.reject(new Error(`${data.error.message} (${data.error.code})`));
        else pending?.resolve(data.result ?? {});
      } else {
        this.#listeners.forEach((listener) => listener(data as CdpEvent));
      }
    };
    socket.onclose = () => {
      this.#pending.forEach(({ reject }) => reject(new Error("Chromium closed the connection")));
      this.#pending.clear();
    };
  }

  static connect(url: string): Promise<Cdp> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.onopen = () => resolve(new Cdp(socket));
      socket.onerror = () => reject(new Error(`Cannot connect to chromium at ${url}`));
    });
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  listen(listener: (event: CdpEvent) => void): void {
    this.#listeners.push(listener);
  }

  next(match: (event: CdpEvent) => boolean): Promise<CdpEvent> {
    return new Promise((resolve) => {
      const listener = (event: CdpEvent) => {
        if (!match(event)) return;
        this.#listeners = this.#listeners.filter((l) => l !== listener);
        resolve(event);
      };
      this.listen(listener);
    });
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close();
  }
}
