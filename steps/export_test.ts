// Proves the export: the CloudFormation template of every policy shape `scale` applies (target
// tracking on invocations, CPU and high-resolution concurrency; step scaling with its alarm;
// scheduled actions), with and without known endpoint names, passes cfn-lint with no error; the
// Terraform .tf.json uses only the provider's attribute names (a schema kept in
// tests/fixtures/terraform_aws_schema.json, with its source) and every reference points at a
// resource it defines; and bad configurations are refused before anything is written.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { configFrom, exportTemplate } from "./export.ts";
import { originalStepScaling } from "./policies.ts";
import type { ScalingConfig } from "./scaling_requests.ts";
import { InputError } from "./errors.ts";
import { skipWithout } from "../scripts/packages.ts";
import { openCloud } from "../cloud/open.ts";
import { prepare } from "./prepare.ts";
import { scale } from "./scale.ts";

// Templates are untyped JSON; the assertions below say what each field must be.
// deno-lint-ignore no-explicit-any
type Json = any;

const EVERYTHING: ScalingConfig = {
  label: "all shapes",
  instanceType: "ml.c5.large",
  minCapacity: 1,
  maxCapacity: 8,
  targetTracking: [
    { metric: "invocations", target: 4987, scaleOutCooldown: 60 },
    { metric: "cpu", target: 50 },
    { metric: "concurrency", target: 5, disableScaleIn: true },
  ],
  stepScaling: [originalStepScaling(4987)],
  scheduledActions: [
    { name: "morning", schedule: "cron(0 8 * * ? *)", timezone: "Europe/Berlin", minCapacity: 3 },
    { name: "night", schedule: "cron(0 20 * * ? *)", minCapacity: 1, maxCapacity: 4 },
  ],
};

async function cfnLint(template: unknown): Promise<{ code: number; output: string }> {
  const dir = await Deno.makeTempDir({ prefix: "export_test_" });
  try {
    const file = `${dir}/template.json`;
    await Deno.writeTextFile(file, JSON.stringify(template, null, 2));
    const out = await new Deno.Command("cfn-lint", {
      args: [file],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { code: out.code, output };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(
  "CloudFormation: every policy shape passes cfn-lint, with names known and as parameters",
  {
    ignore: await skipWithout("pip:cfn-lint"),
  },
  async () => {
    for (const names of [{}, { endpointName: "my-endpoint", variantName: "AllTraffic" }]) {
      const out = exportTemplate(EVERYTHING, { format: "cloudformation", ...names });
      const lint = await cfnLint(out.template);
      // cfn-lint's exit code is a bit field: 2 = error, 4 = warning, 8 = informational.
      assert.equal(lint.code & 2, 0, lint.output);
    }
  },
);

Deno.test("CloudFormation: parameters, references and the alarm that drives the step policy", () => {
  const out = exportTemplate(EVERYTHING, { format: "cloudformation" });
  assert.deepEqual(out.parameters, ["EndpointName", "VariantName"]);
  const resources = out.template.Resources as Record<string, { Type: string; Properties: Json }>;
  assert.deepEqual(Object.keys(resources), [
    "ScalableTarget",
    "TargetTrackingInvocations",
    "TargetTrackingCpu",
    "TargetTrackingConcurrency",
    "StepScalingStepInvocations",
    "StepScalingStepInvocationsAlarm",
  ]);
  const target = resources.ScalableTarget.Properties;
  assert.deepEqual(target.ResourceId, {
    "Fn::Sub": "endpoint/${EndpointName}/variant/${VariantName}",
  });
  assert.equal(target.ScheduledActions.length, 2);
  assert.equal(target.ScheduledActions[0].Timezone, "Europe/Berlin");
  const cpu = resources.TargetTrackingCpu.Properties;
  assert.equal(cpu.TargetTrackingScalingPolicyConfiguration.TargetValue, 100); // 50 % x 2 vCPUs
  assert.deepEqual(cpu.ScalingTargetId, { Ref: "ScalableTarget" });
  assert.equal(cpu.ResourceId, undefined, "ScalingTargetId and ResourceId never both");
  const alarm = resources.StepScalingStepInvocationsAlarm.Properties;
  assert.deepEqual(alarm.AlarmActions, [{ Ref: "StepScalingStepInvocations" }]);
  assert.equal(alarm.Threshold, 4987);
  assert.deepEqual(alarm.Dimensions[0], {
    Name: "EndpointName",
    Value: { "Fn::Sub": "${EndpointName}" },
  });
  const steps = resources.StepScalingStepInvocations.Properties.StepScalingPolicyConfiguration;
  assert.deepEqual(steps.StepAdjustments.map((s: Json) => s.ScalingAdjustment), [1, 3, 4]);
  assert.equal(steps.StepAdjustments[2].MetricIntervalUpperBound, undefined);
  const named = exportTemplate(EVERYTHING, { format: "cloudformation", endpointName: "ep" });
  assert.equal(named.template.Parameters, undefined);
  const policy = (named.template.Resources as Json).TargetTrackingInvocations.Properties;
  assert.equal(policy.PolicyName, "ep-tt-invocations");
});

interface BlockSchema {
  required?: string[];
  attributes: string[];
  blocks?: Record<string, BlockSchema>;
  maps?: string[];
}

function checkBlock(value: Record<string, unknown>, schema: BlockSchema, where: string): string[] {
  const problems: string[] = [];
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) problems.push(`${where}: missing required ${name}`);
  }
  for (const [name, v] of Object.entries(value)) {
    if (!schema.attributes.includes(name)) {
      problems.push(`${where}: unknown attribute ${name}`);
      continue;
    }
    const block = schema.blocks?.[name];
    if (block === undefined || schema.maps?.includes(name)) continue;
    for (const [i, item] of (Array.isArray(v) ? v : [v]).entries()) {
      problems.push(
        ...checkBlock(item as Record<string, unknown>, block, `${where}.${name}[${i}]`),
      );
    }
  }
  return problems;
}

Deno.test("Terraform: only the provider's attribute names, and every reference resolves", async () => {
  const schema = JSON.parse(
    await Deno.readTextFile(
      fileURLToPath(new URL("../tests/fixtures/terraform_aws_schema.json", import.meta.url)),
    ),
  ) as { resources: Record<string, BlockSchema> };
  for (const names of [{}, { endpointName: "my-endpoint" }]) {
    const out = exportTemplate(EVERYTHING, { format: "terraform", ...names });
    const resource = out.template.resource as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    const problems: string[] = [];
    const addresses = new Set<string>();
    for (const [type, byName] of Object.entries(resource)) {
      assert.ok(schema.resources[type], `unknown resource type ${type}`);
      for (const [name, body] of Object.entries(byName)) {
        addresses.add(`${type}.${name}`);
        problems.push(...checkBlock(body, schema.resources[type], `${type}.${name}`));
      }
    }
    assert.deepEqual(problems, []);
    const text = JSON.stringify(out.template);
    for (const [, ref] of text.matchAll(/\$\{((?:aws_[a-z_]+)\.[a-z0-9_]+)\.[a-z_]+\}/g)) {
      assert.ok(addresses.has(ref), `reference to ${ref}, which the file does not define`);
    }
    const variables = Object.keys((out.template.variable ?? {}) as object);
    for (const [, v] of text.matchAll(/\$\{var\.([a-z_]+)\}/g)) assert.ok(variables.includes(v));
    assert.deepEqual(out.resources.length, addresses.size);
  }
  const out = exportTemplate(EVERYTHING, { format: "terraform" });
  const alarm = (out.template.resource as Json).aws_cloudwatch_metric_alarm.step_invocations;
  assert.deepEqual(alarm.dimensions, {
    EndpointName: "${var.endpoint_name}",
    VariantName: "${var.variant_name}",
  });
  assert.deepEqual(alarm.alarm_actions, ["${aws_appautoscaling_policy.step_invocations.arn}"]);
});

Deno.test("export refuses a configuration it cannot write, before writing anything", () => {
  const bad: [Partial<ScalingConfig>, RegExp][] = [
    [{ minCapacity: 5, maxCapacity: 2 }, /min capacity \(5\) is above max capacity \(2\)/],
    [{ minCapacity: 1.5 }, /whole numbers/],
    [{ targetTracking: [], stepScaling: [], scheduledActions: [] }, /no policy/],
    // the same checks as scale's own requests: the two are built by one function
    [{ targetTracking: [{ metric: "cpu", target: 150 }] }, /CPU target of 150 % per vCPU/],
    [{ targetTracking: [{ metric: "invocations", target: 0 }] }, /target must be above 0/],
  ];
  for (const [change, message] of bad) {
    assert.throws(
      () => exportTemplate({ ...EVERYTHING, ...change }, { format: "terraform" }),
      (e: unknown) => e instanceof InputError && message.test((e as Error).message),
    );
  }
  assert.throws(
    () => exportTemplate(EVERYTHING, { format: "terraform", endpointName: "my endpoint" }),
    (e: unknown) => e instanceof InputError && /endpoint name "my endpoint"/.test(e.message),
  );
  assert.throws(() => configFrom({ endpointName: "x" }), /pass --from the --json output of scale/);
  assert.throws(() => configFrom({ config: { minCapacity: "1" } }), /minCapacity must be a number/);
});

Deno.test("the export script writes the file, and a bad format is one line and exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_script_" });
  try {
    await Deno.writeTextFile(
      `${dir}/scaled.json`,
      JSON.stringify({ endpointName: "ep", config: EVERYTHING }),
    );
    const script = fileURLToPath(new URL("./export.ts", import.meta.url));
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", "--allow-write", "--allow-env", script, ...args],
        env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const ok = await run([
      "--from",
      `${dir}/scaled.json`,
      "--format",
      "terraform",
      "--out",
      `${dir}/s.tf.json`,
    ]);
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    const written = JSON.parse(await Deno.readTextFile(`${dir}/s.tf.json`));
    assert.ok(written.resource.aws_appautoscaling_target.variant);
    assert.equal(written.variable, undefined, "the endpoint name came from the input");
    const bad = await run(["--from", `${dir}/scaled.json`, "--format", "pulumi"]);
    assert.equal(bad.code, 2);
    const stderr = new TextDecoder().decode(bad.stderr).trim();
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(
      stderr,
      /^export: Cannot export as "pulumi": use --format cloudformation or --format terraform$/,
    );
    // --out naming a folder, or a path under a file: one line, exit 2, no temporary file left.
    await Deno.mkdir(`${dir}/folder`);
    for (const out of [`${dir}/folder`, `${dir}/scaled.json/s.tf.json`]) {
      const wrong = await run(["--from", `${dir}/scaled.json`, "--out", out]);
      const line = new TextDecoder().decode(wrong.stderr).trim();
      assert.equal(wrong.code, 2, line);
      assert.equal(line.split("\n").length, 1, line);
      assert.match(line, /^export: Cannot write .*; choose another --out$/);
    }
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(),
      ["folder", "s.tf.json", "scaled.json"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export reads the --json output of a real scale run: what scale applied", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_scale_" });
  const cloud = await openCloud({ localDir: `${dir}/local` });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: `${dir}/work` });
    const scaled = await scale(cloud, {
      ...prepared,
      roleArn,
      instanceType: "ml.c5.large",
      minCapacity: 1,
      maxCapacity: 3,
      policies: {
        label: "target tracking and step",
        targetTracking: [{ metric: "cpu", target: 50 }],
        stepScaling: [originalStepScaling(1000)],
      },
    });
    // As `export --from scaled.json` reads it: the JSON of the result.
    const fromFile = JSON.parse(JSON.stringify(scaled));
    const out = exportTemplate(configFrom(fromFile), {
      format: "cloudformation",
      endpointName: fromFile.endpointName,
    });
    assert.deepEqual(out.resources, [
      "ScalableTarget",
      "TargetTrackingCpu",
      "StepScalingStepInvocations",
      "StepScalingStepInvocationsAlarm",
    ]);
    const resources = out.template.Resources as Json;
    assert.equal(resources.ScalableTarget.Properties.MaxCapacity, 3);
    const cpu = resources.TargetTrackingCpu.Properties;
    assert.equal(cpu.PolicyName, scaled.policies[0].name);
    assert.equal(
      cpu.TargetTrackingScalingPolicyConfiguration.TargetValue,
      scaled.policies[0].targetValue,
    );
    assert.equal(
      resources.StepScalingStepInvocationsAlarm.Properties.AlarmName,
      scaled.alarms.at(-1),
    );
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});
