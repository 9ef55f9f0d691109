// Proves the archives: GNU tar lists and extracts them; a container-like loader (Python, the
// same pickle-then-Booster.load_model order as SageMaker's serve_utils.get_loaded_booster)
// loads the model from model.tar.gz; we read archives GNU tar made; bad inputs are refused.
import assert from "node:assert/strict";
import {
  ArchiveError,
  createTarGz,
  MODEL_FILE_NAME,
  modelTarball,
  PAYLOAD_FILE_NAME,
  payloadTarball,
  readModelArtifact,
  readTarGz,
} from "./tarball.ts";
import { runPython } from "./_python.ts";
import { skipWithout } from "../scripts/packages.ts";

const FIXTURE = new URL(
  "../tests/fixtures/xgboost/binary_depth3_missing.model.json",
  import.meta.url,
);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tarball_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function gnuTar(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("tar", { args, stdout: "piped", stderr: "piped" }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (Deno.env.get("CI")) throw new Error("Cannot run the check: GNU tar is not installed");
    console.warn("skipped: GNU tar is missing; install with: apt-get install tar");
    return null;
  }
}

Deno.test("GNU tar lists and extracts model.tar.gz and payload.tar.gz", {
  ignore: await skipWithout("tar"),
}, async () => {
  await withTempDir(async (dir) => {
    const model = await Deno.readFile(FIXTURE);
    const csv = "1.000000000000000000e+00,2.000000000000000000e+00\n";
    await Deno.writeFile(`${dir}/model.tar.gz`, await modelTarball(model));
    await Deno.writeFile(`${dir}/payload.tar.gz`, await payloadTarball(csv));
    const modelList = await gnuTar(["-tzf", `${dir}/model.tar.gz`]);
    if (modelList === null) return;
    assert.equal(modelList, `${MODEL_FILE_NAME}\n`);
    assert.equal(await gnuTar(["-tzf", `${dir}/payload.tar.gz`]), `${PAYLOAD_FILE_NAME}\n`);
    const verbose = await gnuTar(["-tvzf", `${dir}/model.tar.gz`]);
    assert.match(verbose!, new RegExp(`^-rw-r--r-- .* ${model.length} .* ${MODEL_FILE_NAME}\\n$`));
    await Deno.mkdir(`${dir}/out`);
    await gnuTar(["-xzf", `${dir}/model.tar.gz`, "-C", `${dir}/out`]);
    await gnuTar(["-xzf", `${dir}/payload.tar.gz`, "-C", `${dir}/out`]);
    assert.deepEqual(await Deno.readFile(`${dir}/out/${MODEL_FILE_NAME}`), model);
    assert.equal(await Deno.readTextFile(`${dir}/out/${PAYLOAD_FILE_NAME}`), csv);
  });
});

Deno.test("the same files give the same archive bytes", async () => {
  const data = new TextEncoder().encode("x");
  assert.deepEqual(await payloadTarball(data), await payloadTarball(data));
});

Deno.test("a container-like loader loads the model from model.tar.gz (XGBoost 1.7)", {
  ignore: await skipWithout("python3-xgboost", "python3-numpy"),
}, async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/model.tar.gz`, await modelTarball(await Deno.readFile(FIXTURE)));
    const out = await runPython(
      [
        "import os, pickle, tarfile, xgboost as xgb, numpy as np",
        `d = ${JSON.stringify(dir)} + "/opt_ml_model"`,
        `tarfile.open(${JSON.stringify(dir)} + "/model.tar.gz").extractall(d)`,
        "files = [f for f in os.listdir(d) if os.path.isfile(os.path.join(d, f))]",
        "assert len(files) == 1, files",
        "path = os.path.join(d, files[0])",
        "try:",
        "    pickle.load(open(path, 'rb'))",
        "    raise SystemExit('pickle unexpectedly loaded the JSON model')",
        "except pickle.UnpicklingError:",
        "    pass",
        "b = xgb.Booster()",
        "b.load_model(path)",
        "print(files[0], b.num_features(), b.num_boosted_rounds())",
      ].join("\n"),
      "",
      ["xgboost"],
    );
    if (out === null) return;
    assert.equal(out.trim(), `${MODEL_FILE_NAME} 8 12`);
  });
});

Deno.test("readTarGz reads archives made by GNU tar, skipping directories", {
  ignore: await skipWithout("tar"),
}, async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(`${dir}/src/${MODEL_FILE_NAME}`, "{}");
    if ((await gnuTar(["-czf", `${dir}/m.tar.gz`, "-C", `${dir}/src`, "."])) === null) return;
    const files = await readTarGz(await Deno.readFile(`${dir}/m.tar.gz`));
    assert.deepEqual(files.map((f) => f.name), [MODEL_FILE_NAME]);
    const artifact = await readModelArtifact(`${dir}/m.tar.gz`);
    assert.equal(artifact.source, `${dir}/m.tar.gz:${MODEL_FILE_NAME}`);
  });
});

Deno.test("readModelArtifact: directory, archive or file, exactly one model", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/model`);
    await Deno.writeTextFile(`${dir}/model/${MODEL_FILE_NAME}`, "{}");
    await Deno.mkdir(`${dir}/model/code`); // directories are ignored, like the container
    assert.equal(
      (await readModelArtifact(`${dir}/model/`)).source,
      `${dir}/model/${MODEL_FILE_NAME}`,
    );
    assert.equal((await readModelArtifact(`${dir}/model/${MODEL_FILE_NAME}`)).data.length, 2);
    await Deno.writeTextFile(`${dir}/model/second.json`, "{}");
    await assert.rejects(
      readModelArtifact(`${dir}/model`),
      /holds 2 files .* but must hold exactly one model file/,
    );
    await Deno.mkdir(`${dir}/empty`);
    await assert.rejects(readModelArtifact(`${dir}/empty`), /holds 0 files but/);
    const two = await createTarGz([
      { name: "a", data: new Uint8Array(1) },
      { name: "b", data: new Uint8Array(1) },
    ]);
    await Deno.writeFile(`${dir}/two.tar.gz`, two);
    await assert.rejects(readModelArtifact(`${dir}/two.tar.gz`), ArchiveError);
    await assert.rejects(
      readModelArtifact(`${dir}/missing`),
      /Cannot read the model at '.*missing'/,
    );
    await Deno.writeFile(`${dir}/bad.tar.gz`, new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    await assert.rejects(readModelArtifact(`${dir}/bad.tar.gz`), /not valid gzip/);
  });
});

Deno.test("archive entries must be relative paths", async () => {
  await assert.rejects(createTarGz([{ name: "../x", data: new Uint8Array() }]), RangeError);
  await assert.rejects(createTarGz([{ name: "/etc/x", data: new Uint8Array() }]), RangeError);
});

Deno.test("readTarGz refuses decompression bombs", async () => {
  const big = await createTarGz([{ name: "zeros", data: new Uint8Array(1 << 20) }]);
  await assert.rejects(readTarGz(big, { maxBytes: 1 << 16 }), /not valid gzip/);
});
