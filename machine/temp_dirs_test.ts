// Proves that sweepStaleTempDirs() removes exactly the temporary folders whose owner is gone: one
// left by a process killed with SIGKILL, and one whose owner file names a dead pid, are swept; one
// owned by a live process is not, nor one whose owner file is still empty (being created), nor a
// folder of someone else. And a folder is removed when its owner exits without removing it.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  makeOwnedTempDir,
  OWNED_TEMP_PREFIX,
  OWNER_FILE,
  removeOwnedTempDir,
  sweepStaleTempDirs,
} from "./temp_dirs.ts";
import { spawnDenoUntil } from "./testdata/spawn_until.ts";

const OWNER_SCRIPT = `
import { makeOwnedTempDir } from ${JSON.stringify(new URL("./temp_dirs.ts", import.meta.url).href)};
const dir = await makeOwnedTempDir("sweep-test-", { tempDir: Deno.args[0] });
console.log(dir);
if (Deno.args[1] === "wait") for await (const _ of Deno.stdin.readable) { /* until stdin closes */ }
`;

/** Starts a process that makes an owned folder in `tempDir`; returns it and the folder. */
async function owner(tempDir: string, mode: "wait" | "exit") {
  const { child, stdout } = await spawnDenoUntil(["eval", OWNER_SCRIPT, tempDir, mode], "\n");
  return { child, dir: stdout.trim() };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("sweepStaleTempDirs removes a killed owner's folder and keeps a live owner's", async () => {
  const tempDir = await Deno.makeTempDir({ prefix: "sweep-test-" });
  try {
    const killed = await owner(tempDir, "wait");
    const live = await owner(tempDir, "wait");
    killed.child.kill("SIGKILL");
    await killed.child.status;
    // A folder whose owner file names a pid nobody has (and whose lock nobody holds).
    const deadPid = join(tempDir, `${OWNED_TEMP_PREFIX}dead-pid`);
    await Deno.mkdir(deadPid);
    await Deno.writeTextFile(
      join(deadPid, OWNER_FILE),
      JSON.stringify({ pid: 2 ** 22 + 1, hostname: "", createdAt: "" }),
    );
    // Being created: the owner file exists, its owner has not written it yet.
    const creating = join(tempDir, `${OWNED_TEMP_PREFIX}creating`);
    await Deno.mkdir(creating);
    await Deno.writeTextFile(join(creating, OWNER_FILE), "");
    // Not ours: no owner file; and a folder of another program.
    const noOwner = join(tempDir, `${OWNED_TEMP_PREFIX}no-owner`);
    await Deno.mkdir(noOwner);
    const foreign = join(tempDir, "someone-else");
    await Deno.mkdir(foreign);
    await Deno.writeTextFile(join(foreign, OWNER_FILE), JSON.stringify({ pid: 2 ** 22 + 1 }));

    const swept = await sweepStaleTempDirs({ tempDir });
    assert.deepEqual(swept.map((s) => s.path).sort(), [deadPid, killed.dir].sort());
    assert.equal(swept.find((s) => s.path === killed.dir)?.owner.pid, killed.child.pid);
    assert.ok(!(await exists(killed.dir)) && !(await exists(deadPid)));
    for (const kept of [live.dir, creating, noOwner, foreign]) {
      assert.ok(await exists(kept), `${kept} is kept`);
    }
    // The live owner ends normally without removing its folder: the exit removes it.
    await live.child.stdin.close();
    assert.equal((await live.child.status).code, 0);
    assert.ok(!(await exists(live.dir)), "a folder is removed when its owner exits");
  } finally {
    await Deno.remove(tempDir, { recursive: true });
  }
});

Deno.test("a folder of this process is never swept, and removeOwnedTempDir frees it", async () => {
  const tempDir = await Deno.makeTempDir({ prefix: "sweep-test-" });
  try {
    const dir = await makeOwnedTempDir("mine-", { tempDir });
    assert.ok(dir.startsWith(join(tempDir, OWNED_TEMP_PREFIX + "mine-")));
    assert.deepEqual(await sweepStaleTempDirs({ tempDir }), []);
    await removeOwnedTempDir(dir);
    assert.ok(!(await exists(dir)));
    await removeOwnedTempDir(dir); // twice is fine
  } finally {
    await Deno.remove(tempDir, { recursive: true });
  }
});
