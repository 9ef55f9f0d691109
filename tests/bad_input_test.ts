// Proves that every wrong input is refused before it does anything: each case runs the step
// script on a fresh copy of a local backend (empty, prepared, or with a scaled endpoint), and
// asserts exit 2, exactly one line on stderr that says what is wrong, and the same resources
// afterwards as before (tests/_inventory.ts lists every kind, S3 objects included).
import assert from "node:assert/strict";
import { openCloud } from "../cloud/open.ts";
import { inventory, inventoryLines } from "./_inventory.ts";
import { runTaskScript, type ScriptRun } from "./testdata/run_task_script.ts";

const BUCKET = "sagemaker-us-east-1-000000000000";

function run(path: string, args: string[], cwd: string): Promise<ScriptRun> {
  return runTaskScript(path, { args, cwd });
}

async function copy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

async function resources(localDir: string): Promise<string[]> {
  const cloud = await openCloud({ localDir });
  try {
    return inventoryLines(await inventory(cloud, BUCKET)).sort();
  } finally {
    await cloud.close();
  }
}

type Start = "empty" | "prepared" | "scaled";

interface Case {
  /** Which local backend the case starts from. */
  start: Start;
  script: string;
  /** `{endpoint}` is the scaled endpoint's name. */
  args: string[];
  /** What the one line must say. */
  says: RegExp;
}

const ARN = "arn:aws:sagemaker:us-east-1:000000000000:model-package/g/1";
const P = ["--from", "prepared.json"];
const C = [...P, "--min-capacity", "2", "--max-capacity", "4"];
const S = (spec: string) => [...C, "--schedule", spec];

const CASES: Case[] = [
  // scale: capacities
  {
    start: "prepared",
    script: "scale",
    args: [...P, "--min-capacity", "0", "--max-capacity", "4"],
    says: /--min-capacity \(MinCapacity\) 0: give a whole number of instances from 1/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...P, "--min-capacity", "1.5", "--max-capacity", "4"],
    says: /--min-capacity \(MinCapacity\) 1\.5/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...P, "--min-capacity", "-1", "--max-capacity", "4"],
    says: /--min-capacity \(MinCapacity\) -1/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...P, "--min-capacity", "3", "--max-capacity", "2"],
    says: /MinCapacity \(3\) is above MaxCapacity \(2\)/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...P, "--min-capacity", "2", "--max-capacity", "4.5"],
    says: /--max-capacity \(MaxCapacity\) 4\.5/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...P, "--min-capacity", "2", "--max-capacity", "100000"],
    says: /--max-capacity \(MaxCapacity\) 100000: .* from 1 to 1000/,
  },
  // scale: targets and step bounds
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--target-invocations", "-5"],
    says: /--target-invocations -5: give a number above 0/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--target-invocations", "1e400"],
    says: /--target-invocations: "1e400" is too large/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--cpu-target", "150"],
    says: /--cpu-target .* 150: give a number above 0 and at most 100/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--cpu-target", "-1"],
    says: /--cpu-target .* -1/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--concurrency-target", "-2"],
    says: /--concurrency-target -2/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--step-threshold", "-1"],
    says: /--step-threshold .* -1: give a number above 0/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--step-threshold", "1e400"],
    says: /--step-threshold: "1e400" is too large/,
  },
  // scale: scheduled actions (schedule expressions, time zones, names, capacities)
  {
    start: "prepared",
    script: "scale",
    args: S("m|cron(bad)|2|4"),
    says: /Invalid schedule expression "cron\(bad\)": cron\(\) takes 6 fields/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|rate(5 weeks)|2|4"),
    says: /Invalid schedule expression "rate\(5 weeks\)"/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|at(2026-13-01T00:00:00)|2|4"),
    says: /not a valid date and time/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|rate(5 minutes)|2|4|Moon/Base"),
    says: /Invalid time zone "Moon\/Base": use an IANA time zone name/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|rate(5 minutes)|5|2"),
    says: /its MIN \(5\) is above its MAX \(2\)/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|rate(5 minutes)|a|2"),
    says: /MIN "a" is not a whole number/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|rate(5 minutes)|0|4"),
    says: /minimum capacity of scheduled action "m" 0/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("m|rate(5 minutes)||"),
    says: /it changes nothing; give MIN, MAX or both/,
  },
  {
    start: "prepared",
    script: "scale",
    args: S("a/b|rate(5 minutes)|2|4"),
    says: /scheduled action name "a\/b"/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...S("m|rate(5 minutes)|2|4"), "--schedule", "m|rate(1 hour)|3|4"],
    says: /scheduled action "m" twice/,
  },
  // scale: instance types and names
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--instance-type", "ml.x9.huge"],
    says: /Cannot use instance type "ml\.x9\.huge": give a SageMaker endpoint instance type/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--instance-type", "ml.g5.xlarge"],
    says: /Cannot put a CPU target on ml\.g5\.xlarge/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--variant-name", "bad name"],
    says: /variant name "bad name": use 1 to 63 letters, digits and hyphens/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--endpoint-name", "bad_name!"],
    says: /endpoint name "bad_name!"/,
  },
  {
    start: "prepared",
    script: "scale",
    args: [...C, "--from", "endpoint-name-42.json"],
    says: /Cannot read "endpointName" from --from: 42 is not a string/,
  },
  // scale --clear: refused before any policy is deleted
  {
    start: "scaled",
    script: "scale",
    args: ["--from", "scaled.json", "--clear", "100000"],
    says: /Cannot use --clear 100000: give a whole number of instances from 1 to 1000/,
  },
  {
    start: "scaled",
    script: "scale",
    args: ["--from", "scaled.json", "--clear", "-1"],
    says: /Cannot use --clear -1/,
  },
  {
    start: "scaled",
    script: "scale",
    args: ["--from", "scaled.json", "--clear", "0"],
    says: /Cannot use --clear 0/,
  },
  {
    start: "scaled",
    script: "scale",
    args: ["--from", "scaled.json", "--clear", "1.5"],
    says: /Cannot use --clear 1\.5/,
  },
  {
    start: "scaled",
    script: "scale",
    args: ["--from", "scaled.json", "--clear", "0x2"],
    says: /"0x2" is not a decimal number/,
  },
  // recommend: nothing (no model package group) is left behind
  {
    start: "prepared",
    script: "recommend",
    args: [...P, "--framework-version", "9.9-9"],
    says: /Cannot use --framework-version "9\.9-9": use 1\.7-1 or 1\.5-1/,
  },
  {
    start: "prepared",
    script: "recommend",
    args: [...P, "--framework-version", "1.5-1"],
    says: /the container image is version 1\.7-1/,
  },
  {
    start: "prepared",
    script: "recommend",
    args: [...P, "--instance-type", "ml.x9.huge"],
    says: /instance type "ml\.x9\.huge"/,
  },
  {
    start: "prepared",
    script: "recommend",
    args: [...P, "--model-url", "nope"],
    says: /--model-url "nope": give an S3 URL s3:\/\/BUCKET\/KEY/,
  },
  {
    start: "prepared",
    script: "recommend",
    args: [...P, "--payload-url", "s3://Bad_Bucket/p.tar.gz"],
    says: /bucket "Bad_Bucket": S3 bucket names are 3 to 63 lowercase/,
  },
  {
    start: "prepared",
    script: "recommend",
    args: [...P, "--container-image", "bad image"],
    says: /--container-image "bad image"/,
  },
  // evaluate
  {
    start: "scaled",
    script: "evaluate",
    args: [
      "--endpoint-name",
      "{endpoint}",
      "--variant-name",
      "Nope",
      "--model-package-arn",
      ARN,
      "--max-tps",
      "5",
    ],
    says:
      /Cannot find variant "Nope" on endpoint ".*": it has AllTraffic; give --variant-name AllTraffic/,
  },
  {
    start: "scaled",
    script: "evaluate",
    args: ["--endpoint-name", "missing", "--model-package-arn", ARN, "--max-tps", "5"],
    says: /Cannot find endpoint "missing"/,
  },
  {
    start: "scaled",
    script: "evaluate",
    args: [
      "--endpoint-name",
      "{endpoint}",
      "--model-package-arn",
      ARN,
      "--max-tps",
      "5",
      "--duration",
      "60",
    ],
    says: /120 to 3600 s/,
  },
  {
    start: "scaled",
    script: "evaluate",
    args: [
      "--endpoint-name",
      "{endpoint}",
      "--model-package-arn",
      ARN,
      "--max-tps",
      "5",
      "--out",
      "/proc/no-such-dir",
    ],
    says: /Cannot write to --out "\/proc\/no-such-dir"/,
  },
  // prepare
  {
    start: "empty",
    script: "prepare",
    args: ["--bucket", "My_Bucket"],
    says: /bucket "My_Bucket": S3 bucket names/,
  },
  {
    start: "empty",
    script: "prepare",
    args: ["--instance-type", "ml.x9.huge"],
    says: /instance type "ml\.x9\.huge"/,
  },
  {
    start: "empty",
    script: "prepare",
    args: ["--framework-version", "9.9-9"],
    says: /framework version '9\.9-9' is not supported; use one of '1\.7-1', '1\.5-1'/,
  },
  // cleanup
  {
    start: "scaled",
    script: "cleanup",
    args: ["--from", "unknown-kind.json"],
    says: /Cannot clean up spaceship "x": cleanup knows the kinds/,
  },
  // sweep: --profile is the AWS credentials profile, refused as a file before a backend opens
  {
    start: "empty",
    script: "sweep",
    args: ["--profile", "capacity.json"],
    says:
      /^sweep: Cannot use --profile FILE: --profile names an AWS credentials profile; pass the capacity profile as --capacity-profile FILE$/,
  },
  // plan and the shared flag reading
  {
    start: "empty",
    script: "plan",
    args: ["--max-tps", "0x10", "--min-tps", "1", "--upper-limit", "600"],
    says: /--max-tps: "0x10" is not a decimal number/,
  },
  {
    start: "empty",
    script: "plan",
    args: ["--max-tps", "1e300", "--min-tps", "1", "--upper-limit", "600"],
    says: /needs about 1\.2e\+299 instances, far more than any endpoint has/,
  },
  {
    start: "empty",
    script: "plan",
    args: ["--from", "--max-tps", "5"],
    says: /Missing the value of --from: give --from FILE before --max-tps/,
  },
  {
    start: "prepared",
    script: "scale",
    args: ["--from", "--json"],
    says: /Missing the value of --from/,
  },
];

/** Folders of the three starting points, made once with the scripts themselves. */
async function templates(base: string): Promise<Record<Start, string> & { endpoint: string }> {
  const make = async (name: string) => {
    const dir = `${base}/${name}`;
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  };
  const empty = await make("empty");
  const prepared = await make("prepared");
  const prep = await run("steps/prepare.ts", [
    "--local-dir",
    "local",
    "--work-dir",
    "work",
    "--json",
  ], prepared);
  assert.equal(prep.code, 0, prep.lines.join("\n"));
  await Deno.writeTextFile(`${prepared}/prepared.json`, prep.stdout);
  const scaled = await make("scaled");
  await copy(prepared, scaled);
  const sc = await run(
    "steps/scale.ts",
    [
      "--local-dir",
      "local",
      "--from",
      "prepared.json",
      "--min-capacity",
      "2",
      "--max-capacity",
      "4",
      "--step-threshold",
      "1000",
      "--schedule",
      "m|rate(1 hour)|2|4",
      "--json",
    ],
    scaled,
  );
  assert.equal(sc.code, 0, sc.lines.join("\n"));
  await Deno.writeTextFile(`${scaled}/scaled.json`, sc.stdout);
  const endpoint: string = JSON.parse(sc.stdout).endpointName;
  await Deno.writeTextFile(
    `${prepared}/endpoint-name-42.json`,
    JSON.stringify({ endpointName: 42 }),
  );
  // An alarm that exists next to an entry of an unknown kind: neither may be deleted.
  await Deno.writeTextFile(
    `${scaled}/unknown-kind.json`,
    JSON.stringify({
      created: [{ kind: "alarm", name: `${endpoint}-step-invocations-alarm` }, {
        kind: "spaceship",
        name: "x",
      }],
    }),
  );
  return { empty, prepared, scaled, endpoint };
}

Deno.test("every bad input: exit 2, one line, nothing created, changed or deleted", async (t) => {
  const base = await Deno.makeTempDir({ prefix: "bad-input-" });
  try {
    const start = await templates(base);
    const scaledBefore = await resources(`${start.scaled}/local`);
    assert.ok(
      scaledBefore.some((l) => l.startsWith("scalingPolicies: ")),
      "the scaled start has policies",
    );
    assert.ok(scaledBefore.some((l) => l.startsWith("scheduledActions: ")));
    for (const [i, c] of CASES.entries()) {
      const args = c.args.map((a) => a.replace("{endpoint}", start.endpoint));
      await t.step(`${c.script} ${args.join(" ")}`, async () => {
        const dir = `${base}/case-${i}`;
        await copy(start[c.start], dir);
        const local = `${dir}/local`;
        const before = c.start === "empty" ? [] : await resources(local);
        const usesCloud = c.script !== "plan";
        const result = await run(
          `steps/${c.script}.ts`,
          [...args, ...(usesCloud ? ["--local-dir", "local"] : [])],
          dir,
        );
        assert.equal(result.code, 2, result.lines.join("\n"));
        assert.equal(result.lines.length, 1, `one line, got:\n${result.lines.join("\n")}`);
        assert.match(result.lines[0], new RegExp(`^${c.script}: `));
        assert.match(result.lines[0], c.says);
        assert.equal(result.stdout, "");
        if (c.start !== "empty" || c.script === "prepare") {
          assert.deepEqual(await resources(local), before, "the resources are as before");
        }
        if (c.script === "prepare") {
          // Refused before training: no model was written.
          await assert.rejects(() => Deno.stat(`${dir}/out/prepare`), Deno.errors.NotFound);
        }
        await Deno.remove(dir, { recursive: true });
      });
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

const WALKTHROUGH_CASES: { args: string[]; says: RegExp }[] = [
  { args: ["--max-tps", "-1"], says: /Cannot use --max-tps -1: give a number above 0/ },
  { args: ["--max-tps", "0x10"], says: /"0x10" is not a decimal number/ },
  { args: ["--max-tps", "5", "--min-tps", "10"], says: /min TPS \(10\) is above max TPS \(5\)/ },
  { args: ["--instance-type", "ml.x9.huge"], says: /instance type "ml\.x9\.huge"/ },
  {
    args: ["--instance-type", "ml.g5.xlarge"],
    says: /Cannot run the walkthrough on ml\.g5\.xlarge/,
  },
  { args: ["--evaluation-seconds", "10"], says: /120 to 3600 s/ },
  { args: ["--latency-threshold", "0"], says: /--latency-threshold \(ms\) 0/ },
  { args: ["--out", "/proc/no-such-dir"], says: /Cannot write to --out "\/proc\/no-such-dir"/ },
  { args: ["--out"], says: /Missing the value of --out/ },
  { args: ["--bogus"], says: /Unknown option '--bogus'/ },
];

Deno.test("the walkthrough checks its options before training or benchmarking", async (t) => {
  for (const c of WALKTHROUGH_CASES) {
    await t.step(c.args.join(" "), async () => {
      const dir = await Deno.makeTempDir({ prefix: "walkthrough-input-" });
      try {
        const result = await run("steps/walkthrough.ts", [...c.args, "--local-dir", "local"], dir);
        assert.equal(result.code, 2, result.lines.join("\n"));
        assert.equal(result.lines.length, 1, `one line, got:\n${result.lines.join("\n")}`);
        assert.match(result.lines[0], /^walkthrough: /);
        assert.match(result.lines[0], c.says);
        // No side effect: no model trained (prepare's work folder), no backend state, no charts.
        assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), []);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});

const LOADTEST_CASES: { args: string[]; says: RegExp }[] = [
  { args: ["--users", "-1"], says: /^Invalid --users "-1": give a whole number of at least 1$/ },
  { args: ["--users", "1", "--method", "GE T"], says: /^Invalid --method "GE T"/ },
  { args: ["--users", "0x10"], says: /^Invalid --users "0x10"/ },
  { args: ["--users"], says: /^Missing the value of --users/ },
  {
    args: ["--users", "1", "--duration", "1"],
    says: /^No request reached http:\/\/127\.0\.0\.1:\d+\/: every one failed to connect/,
  },
];

Deno.test("loadtest refuses wrong input, and a run that reached no server, with exit 2", async (t) => {
  // A port nothing listens on: bind one, then close it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  for (const c of LOADTEST_CASES) {
    await t.step(c.args.join(" "), async () => {
      const dir = await Deno.makeTempDir();
      try {
        const result = await run(
          "load/cli.ts",
          ["--url", `http://127.0.0.1:${port}/`, ...c.args],
          dir,
        );
        assert.equal(result.code, 2, result.lines.join("\n"));
        assert.equal(result.lines.length, 1, `one line, got:\n${result.lines.join("\n")}`);
        assert.match(result.lines[0], c.says);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});

Deno.test("a corrupt local state.sqlite names the file and what to do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/local`);
    await Deno.writeTextFile(
      `${dir}/local/state.sqlite`,
      "this is not a database, it is a note\n".repeat(40),
    );
    const result = await run("steps/analyze.ts", ["--local-dir", "local", "--job-name", "j"], dir);
    assert.equal(result.code, 1);
    assert.equal(result.lines.length, 1, result.lines.join("\n"));
    assert.match(
      result.lines[0],
      /^analyze: Cannot open the local backend's state ".*\/local\/state\.sqlite": file is not a database\. Move that file away .* or give another --local-dir$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
