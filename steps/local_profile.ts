/**
 * `--local-profile original|FILE`: the capacity profile the local backend simulates an instance
 * type with, instead of measuring this machine (a built-in name, or a JSON `CapacityProfile` file
 * such as `recommend --json`'s `profile` or `profileFromMetrics`'s output).
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import { type CapacityProfile, checkCapacityProfile } from "../sim/profile.ts";
import { BUILT_IN_PROFILES } from "../sim/profiles/original.ts";
import { InputError } from "./errors.ts";

/**
 * Reads `--local-profile`: a built-in profile's name, else a JSON file holding one profile (or
 * an array of them, one per instance type). Throws an {@linkcode InputError} with one line
 * saying what is wrong.
 *
 * @example Usage
 * ```ts
 * import { readLocalProfile } from "./local_profile.ts";
 * import assert from "node:assert/strict";
 * const [p] = await readLocalProfile("original");
 * assert.equal(p.instanceType, "ml.c5.large");
 * await assert.rejects(readLocalProfile("no-such.json"), /Cannot read --local-profile "no-such.json"/);
 * ```
 */
export async function readLocalProfile(value: string): Promise<CapacityProfile[]> {
  const builtIn = BUILT_IN_PROFILES[value];
  if (builtIn !== undefined) return [structuredClone(builtIn) as CapacityProfile];
  let text: string;
  try {
    text = await Deno.readTextFile(value);
  } catch (error) {
    throw new InputError(
      `Cannot read --local-profile "${value}": ${
        error instanceof Deno.errors.NotFound ? "no such file" : (error as Error).message
      }; give ${Object.keys(BUILT_IN_PROFILES).map((n) => `"${n}"`).join(", ")} or a JSON file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `Cannot read --local-profile "${value}": it is not JSON (${
        (error as Error).message.split("\n")[0]
      })`,
    );
  }
  // A `recommend --json` result carries its profile under "profile".
  if (
    typeof parsed === "object" && parsed !== null && "profile" in parsed && !("levels" in parsed)
  ) {
    parsed = (parsed as { profile: unknown }).profile;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  try {
    return list.map((p, i) =>
      checkCapacityProfile(p, list.length > 1 ? `${value}[${i}]` : `in "${value}"`)
    );
  } catch (error) {
    throw new InputError(`--local-profile: ${(error as Error).message}`);
  }
}

/**
 * Whether the backend simulates `instanceType` from a given capacity profile (`--local-profile`,
 * `openCloud({ local: { profile } })`): then a Default job on it reports the profile and runs no
 * benchmark, so it need not wait for the machine. A profile the backend measured belongs to one
 * model, so asking for no model finds only a given one.
 *
 * @example Usage
 * ```ts
 * import { hasGivenProfile } from "./local_profile.ts";
 * import { ORIGINAL_PROFILE } from "../sim/profiles/original.ts";
 * import assert from "node:assert/strict";
 * const cloud = { capacityProfile: ({ instanceType }: { instanceType: string }) =>
 *   Promise.resolve(instanceType === "ml.c5.large" ? ORIGINAL_PROFILE : undefined) };
 * assert.equal(await hasGivenProfile(cloud, "ml.c5.large"), true);
 * assert.equal(await hasGivenProfile(cloud, "ml.m5.large"), false);
 * ```
 */
export async function hasGivenProfile(
  cloud: Pick<Cloud, "capacityProfile">,
  instanceType: string,
): Promise<boolean> {
  return await cloud.capacityProfile({ modelDataUrl: "", image: "", instanceType }) !== undefined;
}
