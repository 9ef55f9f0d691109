// Proves how `deno task notebook` finds its Python: the one given with --python only, else
// python3 on PATH when it has jupyter_client and nbformat, else /usr/bin/python3; and that
// without one it says, in one line, how to get one (pip on macOS and Linux, apt on Debian).
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

Deno.test("deno task notebook with a Python that cannot run notebooks prints one line, exits 2", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "notebook", "x.ipynb", "--python", "/nonexistent/python3"],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.equal(new TextDecoder().decode(stdout), "");
  const text = new TextDecoder().decode(stderr).trim();
  assert.equal(text.split("\n").length, 1, text);
  assert.match(text, /^notebook: Cannot run notebooks: .*pip install/);
});
