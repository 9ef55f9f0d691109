// Test support: a whole local backend on a temporary folder, closed and removed afterwards.
import { openLocalCloud } from "../mod.ts";

/** Runs `fn` with a local cloud on a fresh temporary folder. */
export async function withLocalCloud(
  fn: (cloud: ReturnType<typeof openLocalCloud>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "local-cloud-" });
  const cloud = openLocalCloud({ localDir: dir });
  try {
    await fn(cloud);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}
