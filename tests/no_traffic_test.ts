// Proves "no traffic beyond loopback": a whole local walkthrough, run as a user runs it
// (`deno task walkthrough`, with its model server and load generator), traced with
// `strace -f -e trace=connect`, opens no connection to any address other than 127.0.0.1 / ::1 —
// no update check, no DNS lookup, no telemetry. Unix sockets (and the kernel's own families) are
// local by nature and allowed. The walkthrough runs with the short benchmark of
// tests/walkthrough_test.ts, set in the local store before the run.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
/** The short benchmark of tests/walkthrough_test.ts. */
const FAST = { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 6 };

/** One `connect()` call as strace prints it. */
interface TracedConnect {
  /** `AF_INET`, `AF_INET6`, `AF_UNIX`, ... */
  family: string;
  /** The IP address for AF_INET / AF_INET6, else undefined. */
  address?: string;
  /** The whole strace line, for the failure message. */
  line: string;
}

/**
 * The `connect()` calls in strace's output (`strace -f -e trace=connect`): family and, for IP
 * families, the address (`sin_addr=inet_addr("…")`, `inet_pton(AF_INET6, "…", &sin6_addr)`).
 */
function parseConnects(trace: string): TracedConnect[] {
  const out: TracedConnect[] = [];
  for (const line of trace.split("\n")) {
    if (!line.includes("connect(")) continue;
    const family = /sa_family=(AF_[A-Z0-9]+)/.exec(line)?.[1] ?? "unknown";
    const address = /sin_addr=inet_addr\("([^"]+)"\)/.exec(line)?.[1] ??
      /inet_pton\(AF_INET6, "([^"]+)"/.exec(line)?.[1];
    out.push({ family, address, line: line.trim() });
  }
  return out;
}

/** Whether a traced connect stays on this machine. */
function isLoopback(c: TracedConnect): boolean {
  if (c.family === "AF_INET") return c.address === "127.0.0.1";
  if (c.family === "AF_INET6") return c.address === "::1" || c.address === "::ffff:127.0.0.1";
  // AF_UNIX is a local socket; AF_UNSPEC dissolves a socket's association (no packet is sent);
  // AF_NETLINK talks to the kernel. Any other family is not expected: count it as traffic.
  return ["AF_UNIX", "AF_UNSPEC", "AF_NETLINK"].includes(c.family);
}

function countBy(connects: readonly TracedConnect[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of connects) {
    const key = c.address === undefined ? c.family : `${c.family} ${c.address}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function hasStrace(): Promise<boolean> {
  try {
    return (await new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

Deno.test("parseConnects reads strace's IPv4, IPv6 and Unix lines", () => {
  const trace = [
    `12 connect(18, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT`,
    `12 connect(18, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}, 16) = 0`,
    `13 connect(9, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0`,
    `14 connect(9, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`,
    `15 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2600::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`,
    `16 +++ exited with 0 +++`,
  ].join("\n");
  const connects = parseConnects(trace);
  assert.deepEqual(connects.map((c) => [c.family, c.address]), [
    ["AF_UNIX", undefined],
    ["AF_INET", "10.0.0.53"],
    ["AF_INET", "127.0.0.1"],
    ["AF_INET6", "::1"],
    ["AF_INET6", "2600::1"],
  ]);
  assert.deepEqual(connects.map(isLoopback), [true, false, true, true, false]);
});

Deno.test({
  name: "a local walkthrough connects to nothing but 127.0.0.1 and ::1 (strace)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    assert.ok(await hasStrace(), "strace is installed (Debian package strace)");
    const dir = await Deno.makeTempDir({ prefix: "no-traffic-" });
    try {
      const localDir = join(dir, "state");
      // The short benchmark, persisted in the store that the walkthrough then opens.
      await openLocalCloud({ localDir, local: FAST }).close();
      const tracePath = join(dir, "connect.trace");
      // The environment of a fresh shell: no DENO_NO_UPDATE_CHECK from the test runner, so the
      // run shows what the task and the project's own spawns set.
      const env: Record<string, string> = {};
      for (const name of ["PATH", "HOME", "TMPDIR", "DENO_DIR", "LANG"]) {
        const value = Deno.env.get(name);
        if (value !== undefined) env[name] = value;
      }
      const run = await new Deno.Command("strace", {
        args: [
          "-f",
          "-qq",
          "--seccomp-bpf",
          "-e",
          "trace=connect",
          "-o",
          tracePath,
          Deno.execPath(),
          "task",
          "--quiet",
          "walkthrough",
          "--local-dir",
          localDir,
          "--out",
          join(dir, "charts"),
          "--json",
        ],
        cwd: ROOT,
        env: { ...env, NO_COLOR: "1" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, `the walkthrough failed: ${stderr.slice(-2000)}`);
      const result = JSON.parse(new TextDecoder().decode(run.stdout));
      assert.equal(result.evaluations.length, 3, "the whole walkthrough ran");
      const connects = parseConnects(await Deno.readTextFile(tracePath));
      console.log(`connect() calls by family and address: ${JSON.stringify(countBy(connects))}`);
      assert.ok(
        connects.some((c) => c.family === "AF_INET" && c.address === "127.0.0.1"),
        "the trace saw the benchmark's connections (the trace works)",
      );
      const outside = connects.filter((c) => !isLoopback(c));
      assert.deepEqual(outside.map((c) => c.line), [], "no connection beyond loopback");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
