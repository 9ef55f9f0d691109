// Proves how the notebook tools find their Python: the one given with --python only, else
// python3 on PATH when it has jupyter_client and nbformat, else /usr/bin/python3; and that
// without one they say, in one line, how to get one (pip on macOS and Linux, apt on Debian) —
// both the tests' finder here and `deno task notebook` (the driver, which re-executes itself).
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEBIAN_PYTHON, findNotebookPython, REPO_ROOT } from "./notebook_harness.ts";

/** A folder with a `python3` that imports only what `has` names (a shell stub). */
async function fakePython(has: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "fake-python-" });
  const modules = has.join(" ");
  await Deno.writeTextFile(
    join(dir, "python3"),
    `#!/bin/sh
# "-c" "import a, b": succeed when every module is one we have.
PATH=/usr/bin:/bin
for m in $(echo "$2" | sed 's/^import //; s/,/ /g'); do
  case " ${modules} " in *" $m "*) ;; *) echo "ModuleNotFoundError: No module named '$m'" >&2; exit 1;; esac
done
`,
  );
  await Deno.chmod(join(dir, "python3"), 0o755);
  return dir;
}

async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get("PATH");
  Deno.env.set("PATH", path);
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", saved ?? "");
  }
}

Deno.test("findNotebookPython() takes python3 on PATH when it has jupyter_client", async () => {
  const dir = await fakePython(["jupyter_client", "nbformat"]);
  try {
    const found = await withPath(dir, () => findNotebookPython());
    assert.deepEqual(found, { python: join(dir, "python3") });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findNotebookPython() passes over a PATH python3 without jupyter_client", async () => {
  const dir = await fakePython(["nbformat"]);
  try {
    const found = await withPath(dir, () => findNotebookPython());
    if (found.python !== undefined) {
      assert.equal(found.python, DEBIAN_PYTHON); // this machine's Debian Python has them
    } else {
      assert.match(found.problem, /No module named 'jupyter_client'/);
      assert.match(found.problem, new RegExp(`tried ${join(dir, "python3")} .*, /usr/bin/python3`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findNotebookPython({ python }) tries only that one and says how to get the modules", async () => {
  const found = await findNotebookPython({ python: "/nonexistent/python3" });
  assert.equal(found.python, undefined);
  assert.equal(found.problem?.split("\n").length, 1);
  assert.match(found.problem!, /^Cannot run notebooks: no Python with jupyter_client and nbformat/);
  assert.match(found.problem!, /tried \/nonexistent\/python3 \(not found\)/);
  assert.match(found.problem!, /python3 -m pip install jupyter_client nbformat/);
  assert.match(found.problem!, /apt-get install -y jupyter-nbconvert python3-nbclient/);
  assert.match(found.problem!, /--python PATH/);
});

async function task(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "notebook", ...args],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr).trim();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: text };
}

Deno.test("deno task notebook with a Python that cannot run notebooks prints one line, exits 2", async () => {
  const { code, stdout, stderr } = await task(["x.ipynb", "--python", "/nonexistent/python3"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, /^notebook_driver: Cannot run notebooks: no Python with jupyter_client/);
  assert.match(stderr, /tried \/nonexistent\/python3 \(No such file or directory\)/);
  assert.match(stderr, /python3 -m pip install jupyter_client nbformat \(macOS, Linux\)/);
  assert.match(stderr, /apt-get install -y jupyter-nbconvert python3-nbclient/);
});

Deno.test({
  name: "deno task notebook reaches the notebook under a Python that has jupyter_client",
  ignore: (await findNotebookPython()).python === undefined,
  async fn() {
    // python3 on PATH may lack jupyter_client (a pyenv Python here): the driver then re-executes
    // itself under /usr/bin/python3 and gets as far as reading the notebook.
    const { code, stderr } = await task(["/nonexistent/x.ipynb"]);
    assert.equal(code, 2);
    assert.match(stderr, /Cannot read notebook "\/nonexistent\/x\.ipynb"/);
  },
});
