// Proves least privilege in deno.json: every task's permissions match the table below exactly
// (a new flag is a decision to make here, in review), only the tasks that spawn programs get
// --allow-run and it names them, only `test` gets --allow-all and only the load generator's tasks
// FFI, every command runs with DENO_NO_UPDATE_CHECK=1, `deno task serve --host 0.0.0.0` refuses
// to listen beyond this machine without --allow-remote (exit 2, one line naming the flag), a
// --model-dir that is missing or not a model is refused in one line (exit 2) before a server is
// spawned, and `deno task loadtest` samples a process's CPU and memory with its narrow permissions.
import assert from "node:assert/strict";
import { join } from "node:path";
import { modelTarball } from "../model/tarball.ts";
import { startModelServer } from "../model/spawn_server.ts";
import { startStubServer } from "../load/testdata/stub_server.ts";

const config = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
) as { tasks: Record<string, string> };

// --allow-sys covers, among others, the load average recommend and walkthrough read for what the
// result records about the machine (`Deno.loadavg()`: steps/machine_lock.ts).
const STEP = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--allow-sys"];

/**
 * Each task's permission flags. Of the eight step tasks that talk to a backend, only recommend
 * and walkthrough spawn anything: the local Default job starts the model server (deno, pinned
 * with taskset when there is one) and the load generator (deno, taskset), each through setpriv
 * (util-linux), which ties the child to its parent (`machine/children.ts`).
 */
const EXPECTED: Record<string, string[]> = {
  test: ["--allow-all"],
  // The layout check reads the tree; the TypeScript parser it uses reads its TSC_* and NODE_*
  // settings (and VSCODE_INSPECTOR_OPTIONS) from the environment when it loads.
  check: ["--allow-read=.", "--allow-env=TSC_*,NODE_*,VSCODE_INSPECTOR_OPTIONS"],
  notebook: [],
  // Write the Deno kernelspec into the Jupyter data dir (HOME, JUPYTER_DATA_DIR, XDG_DATA_HOME) /
  // a notebook folder's deno.json (INIT_CWD: where `deno task` was typed).
  // ... and look for a Python with pyzmq for the relay (python3 on PATH, then Debian's).
  kernel: ["--allow-read", "--allow-write", "--allow-env", "--allow-run=python3,/usr/bin/python3"],
  "notebook:folder": ["--allow-read", "--allow-write", "--allow-env"],
  prepare: STEP,
  recommend: [...STEP, "--allow-run=deno,taskset,setpriv"],
  analyze: STEP,
  scale: STEP,
  evaluate: STEP,
  observe: STEP,
  cleanup: STEP,
  plan: ["--allow-read"],
  export: ["--allow-read", "--allow-write"],
  // Talks to a backend only for an endpoint:NAME pattern (its CloudWatch history).
  sweep: STEP,
  walkthrough: [...STEP, "--allow-run=deno,taskset,setpriv"],
  // The machine-wide benchmark lock file lives in /tmp (machine/benchmark_lock.ts).
  "bench:train": ["--allow-read=/tmp", "--allow-write=/tmp"],
  "bench:serve": [
    "--allow-run=deno,taskset,setpriv,wrk,gunicorn,/usr/bin/python3",
    "--allow-read",
    "--allow-write",
    "--allow-net=127.0.0.1",
  ],
  "bench:fleet": ["--allow-read", "--allow-write", "--allow-sys=hostname", "--allow-env"],
  "bench:alarms": ["--allow-read", "--allow-write", "--allow-env"],
  // Like bench:alarms: reads the fixture profile, takes the machine's benchmark lock in /tmp.
  "bench:sweep": ["--allow-read", "--allow-write", "--allow-env"],
  // FFI: the epoll transport calls libc, and so does --pid to read /proc/<pid> (Deno's own file
  // API reads /proc only with --allow-all). Net to loopback only: the engine checks --allow-net
  // for both transports, so another host needs its own --allow-net=HOST:PORT.
  loadtest: ["--allow-read", "--allow-net=127.0.0.1,localhost,[::1]", "--allow-ffi"],
  // Reads the server's /proc through libc (FFI); runs the generators pinned with taskset (tied
  // to the benchmark through setpriv), timed by /usr/bin/time when present, and wrk and locust
  // --version to see that they are installed; writes Locust's files in a temporary directory
  // and takes the machine's benchmark lock in /tmp.
  "bench:load": [
    "--allow-run=setpriv,taskset,wrk,locust,/usr/bin/time",
    "--allow-read",
    "--allow-write",
    "--allow-ffi",
  ],
  serve: [
    "--allow-run=deno,taskset,setpriv",
    "--allow-read",
    "--allow-net=127.0.0.1",
    "--allow-env=SAGEMAKER_BIND_TO_PORT,SM_MODEL_DIR,MAX_CONTENT_LENGTH,SAGEMAKER_BATCH",
  ],
};

/** The commands of a task (split on `&&`), each as words. */
function commandsOf(task: string): string[][] {
  return task.split("&&").map((command) => command.trim().split(/\s+/));
}

/** The permission flags of a task's commands. */
function permissionsOf(task: string): string[] {
  return commandsOf(task).flatMap((words) =>
    words.filter((w) => /^--allow-/.test(w) || w === "-A")
  );
}

Deno.test("every task has exactly the permissions in the table", () => {
  assert.deepEqual(Object.keys(config.tasks).sort(), Object.keys(EXPECTED).sort());
  for (const [name, task] of Object.entries(config.tasks)) {
    assert.deepEqual(permissionsOf(task).sort(), [...EXPECTED[name]].sort(), `task ${name}`);
  }
});

Deno.test("--allow-all only for test, FFI only for the load generator; --allow-run names programs", () => {
  const withFlag = (test: (flag: string) => boolean) =>
    Object.keys(config.tasks).filter((name) => permissionsOf(config.tasks[name]).some(test)).sort();
  assert.deepEqual(withFlag((f) => f === "--allow-all" || f === "-A"), ["test"]);
  assert.deepEqual(withFlag((f) => f.startsWith("--allow-ffi")), ["bench:load", "loadtest"]);
  assert.deepEqual(withFlag((f) => f === "--allow-run"), [], "no task may run any program");
  assert.deepEqual(withFlag((f) => f.startsWith("--allow-run=")), [
    "bench:load",
    "bench:serve",
    "kernel",
    "recommend",
    "serve",
    "walkthrough",
  ]);
});

Deno.test("every command of every task runs with DENO_NO_UPDATE_CHECK=1", () => {
  for (const [name, task] of Object.entries(config.tasks)) {
    for (const words of commandsOf(task)) {
      assert.equal(words[0], "DENO_NO_UPDATE_CHECK=1", `task ${name}: ${words.join(" ")}`);
    }
  }
});

const MODEL = new URL("./fixtures/xgboost/regression_depth4.model.json", import.meta.url).pathname;

/** Runs `deno task serve ARGS…` to its end. */
async function denoTaskServe(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      "--quiet",
      "serve",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr).trim(),
  };
}

Deno.test("deno task serve --host 0.0.0.0 exits 2 with one line naming --allow-remote", async () => {
  for (const host of ["0.0.0.0", "::", "192.0.2.1", "evil.localhost"]) {
    const out = await denoTaskServe([`--model-dir=${MODEL}`, `--host=${host}`, "--port=0"]);
    const stderr = out.stderr;
    assert.equal(out.code, 2, `--host ${host}: ${stderr}`);
    assert.equal(out.stdout, "", "nothing listened");
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(
      stderr,
      new RegExp(
        `^Refusing to listen on ${
          host.replace(/\./g, "\\.")
        }: it is not a loopback address.*--allow-remote`,
      ),
    );
  }
});

Deno.test("deno task serve with a --model-dir that is not there exits 2 with one line", async () => {
  const out = await denoTaskServe(["--model-dir=/nonexistent/model.tar.gz"]);
  assert.equal(out.code, 2, out.stderr);
  assert.equal(out.stderr.split("\n").length, 1, out.stderr);
  assert.match(out.stderr, /^Cannot start the model server: model '\/nonexistent\/model\.tar\.gz'/);
});

Deno.test("deno task serve with a --model-dir that is not a model exits 2 with one line, spawning nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "serve-not-a-model-" });
  try {
    const text = join(dir, "notes.txt");
    await Deno.writeTextFile(text, "not a model\n");
    const json = join(dir, "other.json");
    await Deno.writeTextFile(json, '{"learner":{}}');
    const tarball = join(dir, "model.tar.gz");
    await Deno.writeFile(tarball, await modelTarball("not a model either"));
    const two = join(dir, "two");
    await Deno.mkdir(two);
    await Deno.copyFile(MODEL, join(two, "a.json"));
    await Deno.copyFile(MODEL, join(two, "b.json"));
    const cases: [string, RegExp][] = [
      [text, /it is not XGBoost JSON/],
      [json, /field 'learner_model_param' is missing/],
      [tarball, /it is not XGBoost JSON .*model\.tar\.gz:xgboost-model/],
      [two, /it holds 2 files/],
    ];
    for (const [path, detail] of cases) {
      const out = await denoTaskServe([`--model-dir=${path}`, "--port=0"]);
      assert.equal(out.code, 2, `${path}: ${out.stderr}`);
      assert.equal(out.stdout, "", "nothing listened");
      assert.equal(out.stderr.split("\n").length, 1, out.stderr);
      assert.ok(
        out.stderr.startsWith(
          `Cannot start the model server: '${path}' is not a model it can serve: `,
        ),
        out.stderr,
      );
      assert.match(out.stderr, detail);
      assert.match(out.stderr, /a model is an XGBoost JSON file .*model\.tar\.gz.*directory/);
      assert.doesNotMatch(out.stderr, /exited .* before listening/, "refused before spawning");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startModelServer refuses a host other than loopback unless allowRemote is set", async () => {
  await assert.rejects(
    startModelServer({ modelDir: MODEL, host: "0.0.0.0", stderr: "null" }),
    /Refusing to listen on 0\.0\.0\.0: .*pass --allow-remote/,
  );
  const server = await startModelServer({ modelDir: MODEL, host: "127.0.0.1", stderr: "null" });
  await server.stop();
});

Deno.test("deno task loadtest samples --pid and loads loopback with its own permissions", async () => {
  const server = startStubServer();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        "--quiet",
        "loadtest",
        `--url=http://127.0.0.1:${server.addr.port}/`,
        "--users=1",
        "--max-requests=200",
        `--pid=${Deno.pid}`,
        "--json",
        "--quiet",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(summary.transport, "epoll", "the default transport, through FFI");
    assert.equal(summary.requests, 200);
    assert.equal(summary.errors, 0);
    assert.ok(summary.rssBytes > 1e6, `RSS of this process read from /proc: ${summary.rssBytes}`);
    assert.equal(typeof summary.cpuPercent, "number");
  } finally {
    await server.shutdown();
  }
});
