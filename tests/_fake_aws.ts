/**
 * A fake AWS endpoint on 127.0.0.1 for tests of how failures are reported: every request gets the
 * same kind of failure — 403, a 500 with an HTML page (a proxy's), or throttling — in the shape of
 * the protocol asked (S3's XML or a HEAD without body; the JSON protocols' `__type`).
 *
 * @module
 */

/** The failure the fake answers every request with. */
export type FakeFailure = "forbidden" | "html-500" | "throttling";

/** A running fake endpoint. */
export interface FakeAws {
  /** `http://127.0.0.1:PORT` (give it as `--endpoint-url`). */
  url: string;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

function isJsonProtocol(req: Request): boolean {
  return (req.headers.get("content-type") ?? "").includes("json") ||
    req.headers.has("x-amz-target");
}

function answer(req: Request, failure: FakeFailure): Response {
  const head = req.method === "HEAD";
  const json = isJsonProtocol(req);
  const reply = (status: number, code: string, message: string) =>
    json
      ? new Response(JSON.stringify({ __type: code, message }), {
        status,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code },
      })
      : new Response(
        head ? null : `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fake</RequestId></Error>`,
        { status, headers: { "content-type": "application/xml" } },
      );
  switch (failure) {
    case "forbidden":
      return json
        ? reply(
          400,
          "AccessDeniedException",
          "User: arn:aws:iam::123456789012:user/lab is not authorized to perform this action",
        )
        : reply(403, "AccessDenied", "Access Denied");
    case "html-500":
      return new Response(
        head
          ? null
          : "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>",
        { status: 500, headers: { "content-type": "text/html" } },
      );
    case "throttling":
      return json
        ? reply(400, "ThrottlingException", "Rate exceeded")
        : reply(503, "SlowDown", "Please reduce your request rate.");
  }
}

/**
 * Starts the fake on a free loopback port.
 *
 * @example Usage
 * ```ts
 * import { startFakeAws } from "./_fake_aws.ts";
 * import assert from "node:assert/strict";
 * const fake = startFakeAws("html-500");
 * const res = await fetch(fake.url);
 * assert.equal(res.status, 500);
 * await res.body?.cancel();
 * await fake.close();
 * ```
 */
export function startFakeAws(failure: FakeFailure): FakeAws {
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    count++;
    await req.body?.cancel();
    return answer(req, failure);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests: () => count,
    close: () => server.shutdown(),
  };
}
