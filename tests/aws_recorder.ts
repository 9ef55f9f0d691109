/**
 * A local HTTP server that records what the real AWS SDK clients send, so tests can check that
 * every command a step sends serializes (operation and key fields) without an AWS account.
 *
 * @module
 */

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Operation name: from `X-Amz-Target`, the rpc-v2-cbor path, or `METHOD path` for S3. */
  operation: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The JSON body, when the protocol is JSON. */
  json?: Record<string, unknown>;
}

/** A running recorder. */
export interface AwsRecorder {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a recorder on 127.0.0.1 (random port). It answers every request with a minimal success
 * for its protocol (`{}` for JSON, an empty CBOR map for rpc-v2-cbor, an empty 200 for REST).
 */
export function startAwsRecorder(): AwsRecorder {
  const requests: RecordedRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    const url = new URL(req.url);
    const headers = Object.fromEntries(req.headers.entries());
    const target = headers["x-amz-target"];
    const cbor = /\/service\/[^/]+\/operation\/([^/?]+)/.exec(url.pathname);
    const operation = target
      ? target.split(".").at(-1)!
      : cbor
      ? cbor[1]
      : `${req.method} ${url.pathname}`;
    let json: Record<string, unknown> | undefined;
    if (target) {
      try {
        json = JSON.parse(new TextDecoder().decode(body));
      } catch {
        json = undefined;
      }
    }
    requests.push({
      method: req.method,
      path: url.pathname + url.search,
      operation,
      headers,
      body,
      json,
    });
    if (target) {
      return new Response("{}", { headers: { "content-type": "application/x-amz-json-1.1" } });
    }
    if (cbor) {
      return new Response(new Uint8Array([0xa0]), {
        headers: { "content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor" },
      });
    }
    return new Response(null, {
      status: 200,
      headers: { etag: '"00000000000000000000000000000000"' },
    });
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    async close() {
      await server.shutdown();
    },
  };
}

/** Environment for SDK clients that must never reach AWS: fake credentials, no config files. */
export function fakeAwsEnv(endpointUrl?: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake-secret-for-tests",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    ...(endpointUrl ? { AWS_ENDPOINT_URL: endpointUrl } : {}),
  };
}
