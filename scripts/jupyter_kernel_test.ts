// Proves that the kernelspec `deno task kernel` writes survives a moved npx cache (no path into
// it; npx is asked at each start and its deno exec'd), keeps colour codes out of outputs
// (NO_COLOR=1), lands where Jupyter looks, with the usual file mode.
import assert from "node:assert/strict";
import { installKernelSpec, jupyterDataDir, kernelSpec, RELAY_SCRIPT } from "./jupyter_kernel.ts";

const script = new URL("./jupyter_kernel.ts", import.meta.url).pathname;

Deno.test("kernelSpec() asks npx for the pinned deno at each start, never a cached path", () => {
  const spec = kernelSpec({ npx: "/usr/local/bin/npx", denoVersion: "2.9.6" });
  assert.deepEqual(spec.argv.slice(0, 2), ["/bin/sh", "-c"]);
  assert.equal(
    spec.argv[2],
    `exec "$(/usr/local/bin/npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')" ` +
      `jupyter --kernel --conn "$0"`,
  );
  assert.equal(spec.argv[3], "{connection_file}");
  assert.doesNotMatch(spec.argv.join(" "), /_npx|node_modules/);
  assert.deepEqual(spec.env, { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" });
  assert.equal(
    kernelSpec({ npx: "/my npx/npx" }).argv[2].startsWith(`exec "$('/my npx/npx' -y`),
    true,
  );
  assert.equal(kernelSpec().argv[2].includes(`deno@${Deno.version.deno} `), true);
});

Deno.test("the npx command of the kernelspec prints a deno that runs", async () => {
  // What the kernelspec's shell runs before exec: here with this deno for npx's answer.
  const spec = kernelSpec({ npx: "npx" });
  const resolve = /\$\((.*)\)" jupyter/.exec(spec.argv[2])![1];
  const { stdout, success } = await new Deno.Command("/bin/sh", {
    args: ["-c", resolve],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(success);
  const deno = new TextDecoder().decode(stdout).trim();
  const version = await new Deno.Command(deno, { args: ["--version"], stdout: "piped" }).output();
  assert.match(new TextDecoder().decode(version.stdout), new RegExp(`^deno ${Deno.version.deno}`));
});

Deno.test("jupyterDataDir() follows jupyter_core: JUPYTER_DATA_DIR, macOS, XDG, Windows", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(jupyterDataDir(env({ HOME: "/h", XDG_DATA_HOME: "/x" }), "linux"), "/x/jupyter");
  assert.equal(jupyterDataDir(env({ APPDATA: "C:\\A", HOME: "/h" }), "windows"), "C:\\A\\jupyter");
  assert.throws(() => jupyterDataDir(env({}), "linux"), /HOME is not set/);
});

Deno.test("deno task kernel --dir writes kernels/deno/kernel.json with mode 0644 under 022", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stdout } = await new Deno.Command("/bin/sh", {
      args: [
        "-c",
        `umask 022 && exec "$0" run --allow-all "$1" --dir "$2"`,
        Deno.execPath(),
        script,
        dir,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
    }).output();
    assert.equal(code, 0);
    assert.match(new TextDecoder().decode(stdout), /^Deno kernel registered: .*kernel\.json/);
    const path = `${dir}/kernels/deno/kernel.json`;
    assert.equal(((await Deno.stat(path)).mode! & 0o777).toString(8), "644");
    const spec = JSON.parse(await Deno.readTextFile(path));
    assert.equal(spec.env.NO_COLOR, "1");
    assert.doesNotMatch(JSON.stringify(spec), /_npx/);
    assert.equal(
      await installKernelSpec(dir, spec, { name: "other" }),
      `${dir}/kernels/other/kernel.json`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kernelSpec({ relayPython }) runs the kernel behind the relay copied beside kernel.json", async () => {
  const spec = kernelSpec({ npx: "/usr/bin/npx", denoVersion: "2.9.6", relayPython: "/py3" });
  assert.deepEqual(spec.argv.slice(0, 5), [
    "/py3",
    `{resource_dir}/${RELAY_SCRIPT}`,
    "{connection_file}",
    "--",
    "/bin/sh",
  ]);
  // Jupyter fills in {connection_file} everywhere: the kernel's own file has another name.
  assert.equal(spec.argv.at(-1), "{kernel_connection_file}");
  assert.equal(spec.argv.filter((a) => a === "{connection_file}").length, 1);
  const dir = await Deno.makeTempDir();
  try {
    await installKernelSpec(dir, spec);
    const relay = `${dir}/kernels/deno/${RELAY_SCRIPT}`;
    assert.equal(
      await Deno.readTextFile(relay),
      await Deno.readTextFile(new URL(RELAY_SCRIPT, import.meta.url)),
    );
    await installKernelSpec(dir, kernelSpec({ deno: "/opt/deno" }), { name: "plain" });
    await assert.rejects(Deno.stat(`${dir}/kernels/plain/${RELAY_SCRIPT}`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
