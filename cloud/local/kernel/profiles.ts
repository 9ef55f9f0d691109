/**
 * Capacity profiles in the store. Those the user gave the local backend (`openCloud({ local: { profile } })`,
 * `--local-profile original|FILE`), one per instance type. They are kept in the store, so every
 * later process on the same folder simulates that type with them: a Default job on the type
 * reports the profile instead of measuring this machine, and every endpoint of the type (and
 * every Advanced job's benchmark endpoint) runs on it.
 *
 * @module
 */
import {
  type CapacityProfile,
  type GivenProfiles,
  PROFILE_KIND,
  profileKey,
} from "../../../sim/profile.ts";
import type { LocalContext } from "./context.ts";

/** Store kind of the given profiles (id = instance type). */
export const GIVEN_PROFILE_KIND = "given-capacity-profile";

/**
 * Stores the given profiles (a later one for the same instance type replaces the earlier).
 *
 * @example Usage
 * ```ts
 * import { givenProfile, putGivenProfiles } from "./profiles.ts";
 * import { ORIGINAL_PROFILE } from "../../../sim/profiles/original.ts";
 * import { LocalRuntime } from "./context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "./settings.ts";
 * import { Store } from "./store/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * putGivenProfiles(ctx, ORIGINAL_PROFILE);
 * assert.equal(givenProfile(ctx, "ml.c5.large")?.levels.length, ORIGINAL_PROFILE.levels.length);
 * assert.equal(givenProfile(ctx, "ml.m5.large"), undefined);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function putGivenProfiles(ctx: LocalContext, profiles: GivenProfiles): void {
  const list: readonly CapacityProfile[] = Array.isArray(profiles)
    ? profiles
    : [profiles as CapacityProfile];
  ctx.store.tx(() => {
    for (const p of list) ctx.store.putDoc(GIVEN_PROFILE_KIND, p.instanceType, structuredClone(p));
  });
}

/** The profile given for an instance type, if any. */
export function givenProfile(
  ctx: LocalContext,
  instanceType: string,
): CapacityProfile | undefined {
  return ctx.store.getDoc<CapacityProfile>(GIVEN_PROFILE_KIND, instanceType);
}

/**
 * The profile that simulates a model, image and instance type (a {@linkcode profileKey}): the one
 * given for the type, else the one a Default job measured, else undefined.
 */
export function profileForKey(ctx: LocalContext, key: string): CapacityProfile | undefined {
  const instanceType = key.split("|").at(-1) ?? "";
  return givenProfile(ctx, instanceType) ?? ctx.store.getDoc<CapacityProfile>(PROFILE_KIND, key);
}

/** {@linkcode profileForKey} of a model, image and instance type. */
export function profileFor(
  ctx: LocalContext,
  subject: { modelDataUrl: string; image: string; instanceType: string },
): CapacityProfile | undefined {
  return profileForKey(ctx, profileKey(subject));
}
