import assert from "node:assert/strict";
import { type CliIo, main } from "./cli.ts";
import { parseLoadTestArgs, UsageError } from "./cli_args.ts";
import { startStubServer } from "./testdata/stub_server.ts";
import { denoChildEnv } from "../machine/children.ts";

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    errIsTerminal: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

const URL_ = "http://127.0.0.1:9/";

Deno.test("flags map onto PHASES, STAIRS, open loop and stop conditions", () => {
  const stairs = parseLoadTestArgs([
    "--url",
    URL_,
    "--stairs-users",
    "2",
    "--stairs-steps",
    "3",
    "--stairs-duration",
    "60",
    "--duration",
    "100",
    "--max-invocations",
    "1200",
    "--latency-p99-ms",
    "250",
    "--max-error-rate",
    "0.05",
    "--flat-invocations",
    "stop",
    "--period",
    "10",
    "--pid",
    "42",
    "--pid",
    "43",
    "--timeout",
    "2.5",
    "--header",
    "X-A: b",
  ]);
  assert.equal(stairs.kind, "run");
  if (stairs.kind !== "run") return;
  assert.deepEqual(stairs.pattern, {
    TrafficType: "STAIRS",
    Stairs: { UsersPerStep: 2, NumberOfSteps: 3, DurationInSeconds: 60 },
  });
  assert.deepEqual(stairs.stop, {
    durationSeconds: 100,
    maxInvocations: 1200,
    modelLatencyThreshold: { Percentile: "P99", ValueInMilliseconds: 250 },
    maxErrorRate: 0.05,
    flatInvocations: "Stop",
    periodSeconds: 10,
  });
  assert.deepEqual(stairs.pids, [42, 43]);
  assert.equal(stairs.timeoutMs, 2500);
  assert.deepEqual(stairs.headers, { "X-A": "b" });

  const open = parseLoadTestArgs([
    "--url",
    URL_,
    "--rate",
    "250",
    "--duration",
    "5",
    "--max-connections",
    "8",
  ]);
  assert.ok(
    open.kind === "run" && open.rate === 250 && open.maxConnections === 8 &&
      open.stop.durationSeconds === 5,
  );

  const sat = parseLoadTestArgs([
    "--url",
    URL_,
    "--saturate",
    "--level-seconds",
    "5",
    "--max-levels",
    "6",
    "--latency-p95-ms",
    "100",
    "--user-levels",
    "1,2,4",
  ]);
  assert.ok(sat.kind === "saturate");
  if (sat.kind === "saturate") {
    assert.equal(sat.levelSeconds, 5);
    assert.equal(sat.maxLevels, 6);
    assert.equal(sat.latencyP95Ms, 100);
    assert.deepEqual(sat.userLevels, [1, 2, 4]);
  }
  assert.deepEqual(parseLoadTestArgs(["--help"]), { kind: "help" });
});

Deno.test("command-line mistakes are one-line usage errors", () => {
  const cases: [string[], RegExp][] = [
    [["--users", "2"], /^Missing --url/],
    [["--url", URL_], /^Missing mode/],
    [
      ["--url", URL_, "--users", "2", "--stairs-users", "1"],
      /^Choose one mode, not --users and --stairs-\*/,
    ],
    [["--url", URL_, "--users", "0"], /^Invalid --users "0": give a whole number of at least 1/],
    [["--url", URL_, "--users", "two"], /^Invalid --users "two": give a whole number/],
    [["--url", URL_, "--stairs-users", "1"], /needs all of --stairs-users/],
    [["--url", URL_, "--rate", "5", "--spawn-rate", "3"], /--spawn-rate only applies to --users/],
    [
      ["--url", URL_, "--rate", "5", "--level-seconds", "3"],
      /--level-seconds only applies to --saturate/,
    ],
    [
      ["--url", URL_, "--saturate", "--max-requests", "3"],
      /--max-requests only applies to load tests/,
    ],
    [
      ["--url", URL_, "--users", "1", "--latency-p95-ms", "1", "--latency-p99-ms", "2"],
      /one latency threshold/,
    ],
    [["--url", URL_, "--users", "1", "--flat-invocations", "maybe"], /give stop or continue/],
    [["--url", URL_, "--users", "1", "--max-error-rate", "2"], /at most 1/],
    [["--url", URL_, "--users", "1", "--pid", "x"], /Invalid --pid "x"/],
    [["--url", URL_, "--users", "1", "--bogus"], /Unknown option '--bogus'; run with --help/],
    [["--url", URL_, "--users", "1", "extra"], /positional/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseLoadTestArgs(args), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("main exits 2 with one line for user mistakes and 1 without a stack trace for failures", async () => {
  const io = capture();
  assert.equal(await main(["--url", "http://example.com/", "--users", "1"], io), 2);
  assert.match(
    io.stderr,
    /^Refusing to load "example\.com": it is not a loopback address; pass --allow-remote/,
  );
  assert.equal(io.stderr.trim().split("\n").length, 1);

  const missing = capture();
  assert.equal(
    await main(["--url", URL_, "--users", "1", "--payload", "/nonexistent/p.csv"], missing),
    2,
  );
  assert.match(missing.stderr, /^Cannot read payload "\/nonexistent\/p\.csv": no such file\n$/);

  const help = capture();
  assert.equal(await main(["--help"], help), 0);
  assert.match(help.stdout, /--saturate/);

  // An unexpected failure (here: stdout breaks) is reported in one line, with a stack only with --debug.
  const server = startStubServer();
  try {
    const url = `http://127.0.0.1:${server.addr.port}/`;
    const args = ["--url", url, "--users", "1", "--max-requests", "5", "--quiet"];
    const broken = capture();
    broken.out = () => {
      throw new Error("stdout is closed");
    };
    assert.equal(await main(args, broken), 1);
    assert.equal(broken.stderr, "Load test failed: stdout is closed\n");
    const debug = capture();
    debug.out = broken.out;
    assert.equal(await main([...args, "--debug"], debug), 1);
    assert.match(debug.stderr, /Error: stdout is closed\n\s+at /);
  } finally {
    await server.shutdown();
  }
});

Deno.test("--json prints the summary with the per-second series", async () => {
  const server = startStubServer({ delayMs: 1 });
  try {
    const io = capture();
    const code = await main([
      "--url",
      `http://127.0.0.1:${server.addr.port}/`,
      "--users",
      "2",
      "--spawn-rate",
      "60",
      "--duration",
      "2",
      "--json",
    ], io);
    assert.equal(code, 0);
    const s = JSON.parse(io.stdout);
    for (
      const key of [
        "requests",
        "errors",
        "durationSeconds",
        "requestsPerSecond",
        "p50Ms",
        "p95Ms",
        "p99Ms",
        "stopReason",
      ]
    ) {
      assert.ok(key in s, key);
    }
    assert.equal(s.stopReason, "TrafficPatternCompleted");
    assert.ok(s.intervals.length >= 2);
    assert.ok(s.requests > 0 && s.errors === 0);
    assert.match(
      io.stderr,
      /^$|users \d+ \| [\d,]+ req\/s \| p95 [\d.]+ ms \| errors 0 \| \d+ s\n/,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("--saturate prints the levels as JSON", async () => {
  const server = startStubServer({ delayMs: 10, concurrency: 2 });
  try {
    const io = capture();
    const code = await main([
      "--url",
      `http://127.0.0.1:${server.addr.port}/`,
      "--saturate",
      "--level-seconds",
      "1",
      "--warmup-seconds",
      "0",
      "--max-levels",
      "3",
    ], io);
    assert.equal(code, 0);
    const r = JSON.parse(io.stdout);
    assert.equal(r.stopReason, "MaxLevels");
    assert.deepEqual(r.levels.map((l: { users: number }) => l.users), [1, 2, 3]);
    for (
      const key of [
        "users",
        "requestsPerSecond",
        "successesPerSecond",
        "p50Ms",
        "p95Ms",
        "p99Ms",
        "meanMs",
        "requests",
        "errors",
        "errorRate",
        "errorsByKind",
        "cpuPercent",
        "rssBytes",
        "startedAt",
        "endedAt",
      ]
    ) {
      assert.ok(key in r.levels[0], key);
    }
    assert.match(io.stderr, /level +1 users \|/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("Ctrl-C ends a run cleanly with the summary so far (exit code 130)", async () => {
  const server = startStubServer({ delayMs: 1 });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./cli.ts", import.meta.url).pathname,
      "--url",
      `http://127.0.0.1:${server.addr.port}/`,
      "--users",
      "2",
      "--duration",
      "60",
      "--json",
    ],
    env: denoChildEnv(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    // Wait for the first progress line, then interrupt.
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    while (!/req\/s/.test(err)) {
      const { value, done } = await reader.read();
      if (done) break;
      err += value;
    }
    child.kill("SIGINT");
    const [status, stdout] = await Promise.all([child.status, new Response(child.stdout).text()]);
    await reader.cancel();
    assert.equal(status.code, 130);
    const s = JSON.parse(stdout);
    assert.equal(s.stopReason, "Interrupted");
    assert.ok(s.requests > 0);
    assert.ok(s.durationSeconds < 60);
  } finally {
    try {
      child.kill();
    } catch {
      // ended
    }
    await child.status;
    await server.shutdown();
  }
});

Deno.test("--pattern takes the API's TrafficPattern with optional StoppingConditions", async () => {
  const server = startStubServer();
  const dir = await Deno.makeTempDir();
  try {
    const url = `http://127.0.0.1:${server.addr.port}/`;
    await Deno.writeTextFile(
      `${dir}/pattern.json`,
      JSON.stringify({
        TrafficPattern: {
          TrafficType: "STAIRS",
          Stairs: { DurationInSeconds: 10, NumberOfSteps: 2, UsersPerStep: 1 },
        },
        StoppingConditions: { MaxInvocations: 60 },
      }),
    );
    const io = capture();
    assert.equal(
      await main([
        "--url",
        url,
        "--pattern",
        `${dir}/pattern.json`,
        "--period",
        "1",
        "--json",
        "--quiet",
      ], io),
      0,
    );
    const s = JSON.parse(io.stdout);
    assert.equal(s.trafficPattern.TrafficType, "STAIRS");
    assert.equal(s.stopReason, "MaxInvocations");

    await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
    const bad = capture();
    assert.equal(await main(["--url", url, "--pattern", `${dir}/bad.json`], bad), 2);
    assert.match(bad.stderr, /^Invalid pattern file ".*bad\.json": /);
    const wrong = capture();
    await Deno.writeTextFile(`${dir}/wrong.json`, JSON.stringify({ TrafficType: "STAIRS" }));
    assert.equal(await main(["--url", url, "--pattern", `${dir}/wrong.json`], wrong), 2);
    assert.match(wrong.stderr, /^Invalid traffic pattern: a STAIRS pattern needs Stairs/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs the script in a child with exactly these permission flags. */
async function runWith(flags: string[], args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, new URL("./cli.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr).trim(),
  };
}

Deno.test("without --allow-ffi, --pid exits 2 with one line naming --allow-ffi", async () => {
  const server = startStubServer();
  try {
    const r = await runWith(["--allow-net=127.0.0.1"], [
      "--url",
      `http://127.0.0.1:${server.addr.port}/`,
      "--users",
      "1",
      "--max-requests",
      "10",
      "--pid",
      String(Deno.pid),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^Cannot sample process ${Deno.pid}: .*--allow-ffi`));
  } finally {
    await server.shutdown();
  }
});

Deno.test("the epoll transport connects only where --allow-net lets it", async () => {
  const server = startStubServer();
  try {
    // 127.0.0.2 is loopback (no --allow-remote needed) but not in --allow-net: libc's sockets
    // would reach it past Deno's permission check, so the engine refuses before connecting.
    for (const transport of ["epoll", "socket"]) {
      const r = await runWith(["--allow-net=127.0.0.1", "--allow-ffi"], [
        "--url",
        `http://127.0.0.2:${server.addr.port}/`,
        "--users",
        "1",
        "--max-requests",
        "10",
        "--transport",
        transport,
      ]);
      assert.equal(r.code, 2, `${transport}: ${r.stderr}`);
      assert.equal(
        r.stderr,
        `Cannot connect to 127.0.0.2:${server.addr.port}: Deno's --allow-net does not include it; grant --allow-net=127.0.0.2:${server.addr.port}`,
      );
    }
  } finally {
    await server.shutdown();
  }
});
