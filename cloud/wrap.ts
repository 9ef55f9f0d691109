/**
 * Wrapping a {@linkcode Cloud}'s five command senders, for decorators that watch or refuse
 * commands (the journal, interruption, tests that inject failures).
 *
 * @module
 */
import type { Cloud } from "./types.ts";

/** A command's send, as a decorator sees it. */
export type Send = (command: never) => Promise<unknown>;

/**
 * The same cloud with every sender's `send` replaced by `wrap(service, send)`; other fields
 * (the local backend's context among them) are kept.
 *
 * @example Usage
 * ```ts
 * import { wrapSenders } from "./wrap.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const base = { s3: { send: () => Promise.resolve({ ok: true }) } };
 * const cloud = wrapSenders(base as never, (service, send) => (command) => {
 *   seen.push(service);
 *   return send(command);
 * });
 * assert.deepEqual(await cloud.s3.send({} as never), { ok: true });
 * assert.deepEqual(seen, ["s3"]);
 * ```
 */
export function wrapSenders(
  cloud: Cloud,
  wrap: (
    service: "sagemaker" | "autoscaling" | "cloudwatch" | "s3" | "runtime",
    send: Send,
  ) => Send,
): Cloud {
  const one = <S extends { send: Send }>(service: Parameters<typeof wrap>[0], sender: S): S =>
    sender && ({ ...sender, send: wrap(service, (command) => sender.send(command)) } as S);
  return {
    ...cloud,
    sagemaker: one("sagemaker", cloud.sagemaker),
    autoscaling: one("autoscaling", cloud.autoscaling),
    cloudwatch: one("cloudwatch", cloud.cloudwatch),
    s3: one("s3", cloud.s3),
    runtime: one("runtime", cloud.runtime),
  };
}
