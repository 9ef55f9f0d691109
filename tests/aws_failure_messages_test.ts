// Proves that a failed AWS call is told as something a person can act on — operation, resource,
// HTTP status, AWS's code and message when there is one, and a hint (the IAM action and how to see
// the credentials in use for 403; the attempts for 5xx and throttling) — on one line, through the
// real SDK path: the step scripts with --backend aws against a fake endpoint on 127.0.0.1.
import assert from "node:assert/strict";
import { type FakeFailure, startFakeAws } from "./_fake_aws.ts";

const root = new URL("../", import.meta.url);

/** What a script child keeps of this environment (clearEnv): tools, home in `cwd`, Deno's cache. */
function scriptEnv(cwd: string): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: cwd,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
  };
}

async function runStep(script: string, args: string[], endpointUrl: string, cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL(`steps/${script}.ts`, root).pathname,
      ...args,
      "--backend",
      "aws",
      "--endpoint-url",
      endpointUrl,
    ],
    cwd,
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: {
      ...scriptEnv(cwd),
      AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
      AWS_SECRET_ACCESS_KEY: "fake-secret",
      AWS_REGION: "us-east-1",
      AWS_MAX_ATTEMPTS: "2",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  // Progress lines (e.g. "prepare: trained ...") are not the failure.
  const lines = stderr.trim().split("\n").filter((l) => !/^prepare: trained /.test(l));
  return { code: out.code, lines };
}

const ROLE = ["--role-arn", "arn:aws:iam::123456789012:role/LabRole"];

const CASES: {
  name: string;
  failure: FakeFailure;
  script: string;
  args: string[];
  expect: RegExp[];
}[] = [
  {
    name: "403 on HeadBucket (no body) names s3:ListBucket and get-caller-identity",
    failure: "forbidden",
    script: "prepare",
    args: [...ROLE, "--work-dir", "w"],
    expect: [
      /^prepare: HeadBucket of bucket "sagemaker-us-east-1-123456789012" failed: HTTP 403 /,
      /the identity needs s3:ListBucket \(statement "ModelAndPayloadInTheSageMakerBucket" of iam\/walkthrough-policy\.json\)/,
      /aws sts get-caller-identity/,
    ],
  },
  {
    name: "AccessDeniedException on SageMaker carries AWS's code and message",
    failure: "forbidden",
    script: "analyze",
    args: ["--job-name", "lab-job"],
    expect: [
      /^analyze: DescribeInferenceRecommendationsJob of job "lab-job" failed: HTTP 400 AccessDeniedException: User: arn:aws:iam::123456789012:user\/lab is not authorized/,
      /needs sagemaker:DescribeInferenceRecommendationsJob \(statement "SageMakerCallsOfTheSteps"/,
      /aws sts get-caller-identity/,
    ],
  },
  {
    name: "an HTML 500 is one line with the status and the attempts, no dump",
    failure: "html-500",
    script: "analyze",
    args: ["--job-name", "lab-job"],
    expect: [
      /^analyze: DescribeInferenceRecommendationsJob of job "lab-job" failed: HTTP 500 with a body that is not an AWS error \(text\/html\)/,
      /it was retried 1 time \(2 attempts\)/,
    ],
  },
  {
    name: "an HTML 500 on HeadBucket likewise",
    failure: "html-500",
    script: "prepare",
    args: [...ROLE, "--work-dir", "w"],
    expect: [
      /^prepare: HeadBucket of bucket "sagemaker-us-east-1-123456789012" failed: HTTP 500/,
      /retried 1 time/,
    ],
  },
  {
    name: "throttling names the code and the attempts",
    failure: "throttling",
    script: "analyze",
    args: ["--job-name", "lab-job"],
    expect: [
      /failed: HTTP 400 ThrottlingException: Rate exceeded\. Hint: AWS throttled the call and it was retried 1 time \(2 attempts\)/,
    ],
  },
];

for (const c of CASES) {
  Deno.test(`aws backend: ${c.name}`, async () => {
    const fake = startFakeAws(c.failure);
    const cwd = await Deno.makeTempDir();
    try {
      const { code, lines } = await runStep(c.script, c.args, fake.url, cwd);
      assert.equal(code, 1, lines.join("\n"));
      assert.equal(lines.length, 1, `one line, got:\n${lines.join("\n")}`);
      for (const pattern of c.expect) assert.match(lines[0], pattern);
      assert.doesNotMatch(lines[0], /UnknownError|Deserialization error|\$response|<html/);
      assert.ok(fake.requests() >= 1, "the SDK reached the fake endpoint");
    } finally {
      await fake.close();
      await Deno.remove(cwd, { recursive: true });
    }
  });
}

Deno.test("aws backend: cleanup says what it could not delete and why, per resource", async () => {
  const fake = startFakeAws("forbidden");
  const cwd = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${cwd}/created.json`,
      JSON.stringify({ created: [{ kind: "model", name: "lab-model" }] }),
    );
    const { code, lines } = await runStep("cleanup", ["--from", "created.json"], fake.url, cwd);
    assert.equal(code, 1, lines.join("\n"));
    const line = lines.find((l) => l.startsWith("cleanup: cannot delete model lab-model: "));
    assert.ok(line, lines.join("\n"));
    assert.match(line, /DeleteModel of model "lab-model" failed: HTTP 400 AccessDeniedException: /);
    assert.match(line, /needs sagemaker:DeleteModel \(statement "SageMakerCallsOfTheSteps"/);
    assert.match(
      lines.at(-1)!,
      /could not be deleted; run cleanup with the same --from files again/,
    );
  } finally {
    await fake.close();
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("aws backend without a region: one line that says how to set one, exit 2", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("steps/analyze.ts", root).pathname,
        "--job-name",
        "lab-job",
        "--backend",
        "aws",
      ],
      cwd,
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: {
        ...scriptEnv(cwd),
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    }).output();
    const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
    assert.equal(out.code, 2, lines.join("\n"));
    assert.equal(lines.length, 1, `one line, got:\n${lines.join("\n")}`);
    assert.match(
      lines[0],
      /^analyze: Cannot open the AWS backend: no region is set\. Pass --region/,
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
