/**
 * Dispatch: turns a service's handler map (operation name → handler) into a `{ send(command) }`
 * that takes real SDK v3 command objects, as the five senders of a `Cloud` do.
 *
 * @module
 */
import type { LocalContext } from "./context.ts";
import { injectFault } from "./faults.ts";

/** Handles one operation: takes the command's input, returns the output (without `$metadata`). */
// deno-lint-ignore no-explicit-any
export type OperationHandler = (input: any, ctx: LocalContext) => unknown | Promise<unknown>;

/** A service's operations by name (`CreateBucket`, `PutMetricAlarm`...): its handler map. */
export type HandlerMap = Readonly<Record<string, OperationHandler>>;

/** The services the local backend stands in for, as their senders' errors name them. */
export type ServiceName =
  | "SageMaker"
  | "Application Auto Scaling"
  | "CloudWatch"
  | "S3"
  | "SageMaker Runtime";

/** One service of the local backend: its name and its handler map. */
export interface LocalService {
  /** The service, as errors name it. */
  service: ServiceName;
  /** Its operations. */
  handlers: HandlerMap;
}

/** Thrown for a command the local backend does not implement. */
export class NotImplementedLocallyError extends Error {
  /** The operation, e.g. `CopyObject`. */
  readonly operation: string;
  constructor(service: string, operation: string) {
    super(
      `The local backend does not implement ${service} ${operation}: run this step with --backend aws, or add ${operation} to cloud/local`,
    );
    this.name = "NotImplementedLocallyError";
    this.operation = operation;
  }
}

/**
 * The operation name of an SDK v3 command: `new CreateBucketCommand(...)` gives `CreateBucket`.
 *
 * @example Usage
 * ```ts
 * import { CreateBucketCommand } from "@aws-sdk/client-s3";
 * import { operationName } from "./dispatch.ts";
 * import assert from "node:assert/strict";
 * assert.equal(operationName(new CreateBucketCommand({ Bucket: "b" })), "CreateBucket");
 * ```
 */
export function operationName(command: unknown): string {
  const schema = (command as { schema?: unknown }).schema;
  if (Array.isArray(schema) && typeof schema[2] === "string") return schema[2];
  const ctorName = (command as { constructor?: { name?: string } }).constructor?.name ?? "";
  if (ctorName.endsWith("Command")) return ctorName.slice(0, -"Command".length);
  throw new TypeError(`Cannot send ${String(command)}: it is not an AWS SDK v3 command`);
}

/**
 * A sender for one service. Outputs get `$metadata` as the SDK adds it; errors come from the
 * handlers (AWS-named); a missing handler throws {@linkcode NotImplementedLocallyError}.
 */
export function localSender(
  ctx: LocalContext,
  local: LocalService,
  // deno-lint-ignore no-explicit-any
): { send(command: any): Promise<any> } {
  const { service, handlers } = local;
  return {
    async send(command: { input?: unknown }) {
      const operation = operationName(command);
      const handler = Object.hasOwn(handlers, operation) ? handlers[operation] : undefined;
      if (handler === undefined) throw new NotImplementedLocallyError(service, operation);
      await injectFault(service, operation);
      const output = await handler(command.input ?? {}, ctx);
      return {
        $metadata: {
          httpStatusCode: 200,
          requestId: crypto.randomUUID(),
          attempts: 1,
          totalRetryDelay: 0,
        },
        ...(output as object),
      };
    },
  };
}
