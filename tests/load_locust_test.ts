/**
 * Fidelity check of the load generator against Locust (Debian `python3-locust`), the engine
 * whose vocabulary (users, spawn rate) Inference Recommender uses. Both run the same users and
 * spawn rate — ours as an IR PHASES phase (InitialNumberOfUsers 1, SpawnRate 30 per *minute*),
 * Locust headless with `-u 6 -r 0.5` (per *second*) — against a local server with a fixed
 * 100 ms delay. It proves that the active users over time agree within 1 user at every second,
 * and the total requests within 5 %.
 *
 * Run alone: `deno test -A tests/load_locust_test.ts` (about 25 s).
 */
import assert from "node:assert/strict";
import { runLoadTest, usersAt } from "../load/mod.ts";
import { spawnStubServer } from "../load/testdata/stub_server.ts";
import { skipWithout } from "../scripts/packages.ts";

const PYTHON = "/usr/bin/python3";
const SPAWN_PER_MINUTE = 30;
const LOCUST_SPAWN_PER_SECOND = SPAWN_PER_MINUTE / 60;
const SECONDS = 12;
const MAX_USERS = 1 + Math.floor(LOCUST_SPAWN_PER_SECOND * (SECONDS - 1e-9)); // 6

// The locustfile records Locust's own user count and request total every 0.1 s (Locust 2.12
// does not flush its CSV history at exit).
const LOCUSTFILE = `import json, os, time
import gevent
from locust import FastHttpUser, task, constant, events

SAMPLES = os.environ["LOCUST_SAMPLES"]
state = {"t0": None, "out": None}

def sample(environment):
    while True:
        state["out"].write(json.dumps({"t": time.monotonic() - state["t0"], "users": environment.runner.user_count}) + "\\n")
        state["out"].flush()
        gevent.sleep(0.1)

@events.test_start.add_listener
def on_start(environment, **kwargs):
    state["t0"] = time.monotonic()
    state["out"] = open(SAMPLES, "w")
    gevent.spawn(sample, environment)

@events.quitting.add_listener
def on_quit(environment, **kwargs):
    if state["out"]:
        total = environment.runner.stats.total
        state["out"].write(json.dumps({"t": time.monotonic() - state["t0"], "final": True, "requests": total.num_requests, "failures": total.num_failures}) + "\\n")
        state["out"].close()

class Invoker(FastHttpUser):
    wait_time = constant(0)

    @task
    def invoke(self):
        self.client.post("/invocations", data=b"1,2,3", headers={"Content-Type": "text/csv"})
`;

interface LocustSample {
  t: number;
  users?: number;
  final?: boolean;
  requests?: number;
  failures?: number;
}

Deno.test({
  name: "our users and requests match Locust's for the same users and spawn rate",
  ignore: await skipWithout("python3-locust", "python3-gevent"),
  async fn() {
    const server = await spawnStubServer({ delayMs: 100 });
    const dir = await Deno.makeTempDir({ prefix: "locust-fidelity-" });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      // 1. Locust, headless.
      await Deno.writeTextFile(`${dir}/locustfile.py`, LOCUSTFILE);
      const locust = await new Deno.Command(PYTHON, {
        args: [
          "-m",
          "locust",
          "-f",
          `${dir}/locustfile.py`,
          "--headless",
          "--only-summary",
          "--loglevel",
          "WARNING",
          "-u",
          String(MAX_USERS),
          "-r",
          String(LOCUST_SPAWN_PER_SECOND),
          "-t",
          `${SECONDS}s`,
          "--host",
          url,
        ],
        cwd: dir,
        env: { LOCUST_SAMPLES: `${dir}/samples.jsonl` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(locust.success, new TextDecoder().decode(locust.stderr).slice(-2000));
      const samples: LocustSample[] = (await Deno.readTextFile(`${dir}/samples.jsonl`))
        .trim().split("\n").map((l) => JSON.parse(l));
      const final = samples.find((s) => s.final)!;
      assert.ok(final && final.failures === 0, JSON.stringify(final));
      const locustSeconds = final.t; // Locust's users ran this long

      // 2. Ours: the same phase, for as long as Locust's users ran.
      const ours = await runLoadTest({
        url: `${url}/invocations`,
        payloads: [new TextEncoder().encode("1,2,3")],
        contentType: "text/csv",
        pattern: {
          TrafficType: "PHASES",
          Phases: [{
            InitialNumberOfUsers: 1,
            SpawnRate: SPAWN_PER_MINUTE,
            DurationInSeconds: SECONDS,
          }],
        },
        stop: { durationSeconds: locustSeconds },
      });
      assert.equal(ours.errors, 0);

      // Active users at each whole second: Locust's last sample before it, ours at the end of
      // the interval ending then, and the model.
      const rows: string[] = [];
      for (let k = 1; k < Math.floor(locustSeconds); k++) {
        const l = samples.filter((s) => !s.final && s.t <= k).at(-1)!.users!;
        const o = ours.intervals[k - 1].users;
        const model = usersAt(ours.trafficPattern!, k - 1e-6);
        rows.push(`${k}s locust ${l} ours ${o} model ${model}`);
        assert.ok(Math.abs(l - o) <= 1, rows.join("\n"));
        assert.ok(Math.abs(o - model) <= 1 && Math.abs(l - model) <= 1, rows.join("\n"));
      }
      const diff = Math.abs(ours.requests - final.requests!) / final.requests!;
      console.log(
        `Locust ${final.requests} requests in ${
          locustSeconds.toFixed(2)
        } s, ours ${ours.requests} in ${ours.durationSeconds.toFixed(2)} s (${
          (diff * 100).toFixed(1)
        } % apart); users per second:\n${rows.join("\n")}`,
      );
      assert.ok(diff <= 0.05, `total requests ${ours.requests} vs Locust ${final.requests}`);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
