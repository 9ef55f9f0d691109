// Proves that iam/walkthrough-policy.json allows exactly the AWS calls the steps make: every
// `new XxxCommand(` in steps/*.ts maps to one IAM action of its service, and the policy has no
// other action beyond iam:PassRole and the auto-scaling service-linked role.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/** IAM action of an SDK command, by the module it is imported from. */
const PREFIX: Record<string, string> = {
  "@aws-sdk/client-sagemaker": "sagemaker",
  "@aws-sdk/client-application-auto-scaling": "application-autoscaling",
  "@aws-sdk/client-cloudwatch": "cloudwatch",
  "@aws-sdk/client-s3": "s3",
};

/** S3 operations authorized by another action name. */
const S3_ACTIONS: Record<string, string> = {
  HeadBucket: "ListBucket",
  ListObjectsV2: "ListBucket",
  HeadObject: "GetObject",
};

/**
 * Actions the steps need without a command of that name: every create call carries the run's
 * tags (steps/journal.ts), and tagging on create is authorized by the service's tagging action
 * (S3: "To use this operation, you must have permission to perform the s3:PutObjectTagging
 * action", API reference of PutObjectTagging, which PutObject's Tagging header uses).
 */
const TAG_ON_CREATE = [
  "sagemaker:AddTags",
  "cloudwatch:TagResource",
  "application-autoscaling:TagResource",
  "s3:PutObjectTagging",
];

async function actionsOfSteps(): Promise<Set<string>> {
  const actions = new Set<string>();
  for await (const entry of Deno.readDir(new URL("steps/", root))) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    const source = await Deno.readTextFile(new URL(`steps/${entry.name}`, root));
    for (
      const [, names, module] of source.matchAll(
        /import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/client-[a-z0-9-]+)"/g,
      )
    ) {
      for (const spec of names.split(",").map((n) => n.trim().replace(/^type\s+/, ""))) {
        // `XxxCommand as Alias` (two services' commands of one name) is sent as `new Alias(`.
        const [name, alias = name] = spec.split(/\s+as\s+/);
        const op = /^([A-Z][A-Za-z0-9]*)Command$/.exec(name)?.[1];
        if (op === undefined || !new RegExp(`new ${alias}\\(`).test(source)) continue;
        const prefix = PREFIX[module];
        assert.ok(prefix, `unknown SDK module ${module}`);
        actions.add(`${prefix}:${prefix === "s3" ? S3_ACTIONS[op] ?? op : op}`);
      }
    }
  }
  if (actions.size > 0) TAG_ON_CREATE.forEach((a) => actions.add(a));
  return actions;
}

Deno.test("iam/walkthrough-policy.json allows exactly the calls the steps make", async () => {
  const policy = JSON.parse(await Deno.readTextFile(new URL("iam/walkthrough-policy.json", root)));
  const allowed = new Set<string>(
    policy.Statement.flatMap((s: { Action: string | string[] }) =>
      Array.isArray(s.Action) ? s.Action : [s.Action]
    ),
  );
  const needed = await actionsOfSteps();
  assert.ok(needed.size >= 30, `found ${needed.size} actions in steps/`);
  for (const action of needed) assert.ok(allowed.has(action), `the policy misses ${action}`);
  const extra = [...allowed].filter((a) => !needed.has(a));
  assert.deepEqual(extra.sort(), ["iam:CreateServiceLinkedRole", "iam:PassRole"]);
  // The two the original's list missed that a step-scaling policy cannot work without.
  assert.ok(allowed.has("cloudwatch:PutMetricAlarm") && allowed.has("iam:PassRole"));
});
