// Proves that /proc files are read through libc with --allow-ffi alone (where Deno's own file API
// needs --allow-all), that a vanished process reads as null, and that nothing but /proc/NAME and
// /proc/PID/NAME is read this way.
import assert from "node:assert/strict";
import { procUnavailableReason, readProcFile } from "./proc_file.ts";

Deno.test("readProcFile reads this process's files and null for a process that is gone", () => {
  assert.equal(procUnavailableReason(), null);
  const stat = readProcFile(`/proc/${Deno.pid}/stat`)!;
  assert.ok(stat.startsWith(`${Deno.pid} (`), stat);
  assert.match(readProcFile(`/proc/${Deno.pid}/status`)!, new RegExp(`^Pid:\\s+${Deno.pid}$`, "m"));
  assert.equal(readProcFile("/proc/1073741824/stat"), null);
});

Deno.test("readProcFile reads files longer than one read", () => {
  // /proc/self/maps of a Deno process is far longer than the 4 KiB read size.
  const maps = readProcFile(`/proc/${Deno.pid}/maps`)!;
  assert.ok(maps.length > 4096, `${maps.length} characters`);
  assert.ok(maps.endsWith("\n"));
});

Deno.test("readProcFile refuses every path but /proc/NAME and /proc/PID/NAME", () => {
  for (
    const path of [
      "/etc/passwd",
      "/proc/../etc/passwd",
      `/proc/${Deno.pid}/root/etc/passwd`, // a link to the whole file system
      `/proc/${Deno.pid}/cwd/deno.json`,
      "proc/self/stat",
      "/procfs/x",
    ]
  ) {
    assert.throws(() => readProcFile(path), /outside them/, path);
  }
});

Deno.test("with --allow-ffi and no read permission, /proc is read through libc", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/read_proc.ts`;
    await Deno.writeTextFile(
      script,
      `import { readProcFile } from ${
        JSON.stringify(new URL("./proc_file.ts", import.meta.url).href)
      };
let denied = "";
try { Deno.readTextFileSync("/proc/${Deno.pid}/status"); } catch (e) { denied = (e as Error).name; }
console.log(JSON.stringify({ denied, status: readProcFile("/proc/${Deno.pid}/status") }));`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-ffi", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const { denied, status } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(denied, "NotCapable", "Deno's file API refuses /proc without --allow-all");
    assert.match(status, new RegExp(`^Pid:\\s+${Deno.pid}$`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
