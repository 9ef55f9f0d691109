// Proves "no orphan processes or files": when the process that started a model server
// and a load generator is killed with SIGKILL (no finally, no signal handler runs), both children
// end within a few seconds (the kernel's parent-death signal), no listener is left on the
// server's port, and the temporary folder it owned is swept by the next sweepStaleTempDirs().
import assert from "node:assert/strict";
import { sweepStaleTempDirs } from "../machine/temp_dirs.ts";
import { findSetpriv } from "../machine/children.ts";
import { spawnDenoUntil } from "../machine/testdata/spawn_until.ts";

/** Alive and not a zombie (a zombie has ended; only its exit status waits to be collected). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/**
 * The inodes of the sockets of this machine that listen on `port` (IPv4 or IPv6), from
 * /proc/net/tcp*. Tests run in parallel: once the port is free another test's server may take
 * it, so "ours is gone" is checked by inode, not by port.
 */
function listeners(port: number): Set<string> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const found = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; state 0A is LISTEN; field 9 is the socket's inode.
      if (fields.length > 9 && fields[1].endsWith(`:${hex}`) && fields[3] === "0A") {
        found.add(fields[9]);
      }
    }
  }
  return found;
}

interface Started {
  serverPids: number[];
  loadPid: number;
  port: number;
  tempDir: string;
}

async function startParent(
  workers: number,
): Promise<{ child: Deno.ChildProcess; started: Started }> {
  const { child, stdout } = await spawnDenoUntil([
    "run",
    "--allow-all",
    new URL("./testdata/spawning_parent.ts", import.meta.url).pathname,
    String(workers),
  ], "\n");
  return { child, started: JSON.parse(stdout.split("\n")[0]) };
}

async function killParentAndWatch(workers: number): Promise<void> {
  const { child, started } = await startParent(workers);
  const children = [...started.serverPids, started.loadPid];
  try {
    assert.equal(started.serverPids.length, workers);
    await watchKilledParent(child, started, children);
  } catch (error) {
    // A failing run leaves nothing either: the parent, its children, its folder.
    try {
      child.kill("SIGKILL");
    } catch { /* already killed */ }
    await child.status;
    for (const pid of children.filter(alive)) Deno.kill(pid, "SIGKILL");
    await Deno.remove(started.tempDir, { recursive: true }).catch(() => {});
    throw error;
  }
}

async function watchKilledParent(
  child: Deno.ChildProcess,
  started: Started,
  children: number[],
): Promise<void> {
  assert.ok(children.every(alive), "the server and the load generator run");
  const ours = listeners(started.port);
  assert.ok(ours.size > 0, `the server listens on ${started.port}`);
  const killedAt = performance.now();
  child.kill("SIGKILL");
  await child.status;
  // Poll (no timed assertion: the bound only stops the test from hanging when children survive).
  // A killed multi-threaded process shows as a zombie as soon as its main thread has exited; its
  // files (the listening socket) close when the last of its threads has: wait for both.
  const ourListeners = () => [...listeners(started.port)].filter((inode) => ours.has(inode));
  while (
    (children.some(alive) || ourListeners().length > 0) && performance.now() - killedAt < 10_000
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const survivors = children.filter(alive);
  console.log(
    `children of a SIGKILLed parent (${started.serverPids.length} server process(es) + load generator) gone after ${
      Math.round(performance.now() - killedAt)
    } ms`,
  );
  assert.deepEqual(survivors, [], "no child outlives its killed parent");
  assert.deepEqual(ourListeners(), [], `the server's sockets on port ${started.port} are closed`);
  // The parent could not remove its temporary folder; the next sweep does.
  assert.ok((await Deno.stat(started.tempDir)).isDirectory, "the killed parent left its folder");
  const swept = await sweepStaleTempDirs();
  const mine = swept.find((s) => s.path === started.tempDir);
  assert.ok(mine, "the sweep removed the killed parent's folder");
  assert.equal(mine.owner.pid, child.pid);
  await assert.rejects(Deno.stat(started.tempDir), Deno.errors.NotFound);
}

Deno.test({
  name: "kill -9 of the parent ends its model server and load generator; nothing listens after",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    assert.ok(await findSetpriv(), "setpriv is installed (Debian package util-linux)");
    await killParentAndWatch(1);
  },
});

Deno.test({
  name: "kill -9 of the parent also ends a multi-process model server (its workers follow)",
  ignore: Deno.build.os !== "linux",
  fn: () => killParentAndWatch(2),
});
