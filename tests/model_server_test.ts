// Proves the model server keeps the SageMaker XGBoost container contract and survives hostile
// clients: it runs as a separate process (startModelServer, narrow permissions), gets the
// original's payload (100 rows x 50 features, numpy.savetxt format) and its predictions must be
// the container's exact text (Python str() of XGBoost's float32 predictions, comma-joined), then
// 20+ kinds of malformed or hostile requests each get the right status and a one-line reason,
// overload gets 503s instead of unbounded queues, and /ping still answers at the end. Slow
// clients, timeouts and connection bounds are in model_server_limits_test.ts. The server
// processes are always stopped.
import assert from "node:assert/strict";
import { randomDataset, trainTestSplit } from "../model/dataset.ts";
import { samplePayloadCsv } from "../model/payload.ts";
import { formatPredictions } from "../model/server.ts";
import {
  InvalidModelError,
  type ModelServerHandle,
  startModelServer,
} from "../model/spawn_server.ts";
import { modelTarball } from "../model/tarball.ts";
import { loadXGBoostModel, predict } from "../model/xgboost_json.ts";
import { runPython } from "../model/_python.ts";
import { skipWithout } from "../scripts/packages.ts";

const MODEL_FIXTURE = new URL(
  "./fixtures/xgboost/binary_depth6_like_original.model.json",
  import.meta.url,
);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** Reads one HTTP/1.1 response from a connection (until its length is read or EOF). */
async function readResponse(conn: Deno.Conn, timeoutMs = 10_000): Promise<RawResponse | null> {
  let data = new Uint8Array(0);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const buf = new Uint8Array(65536);
    while (true) {
      const text = decoder.decode(data);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const head = text.slice(0, end);
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? "0");
        if (data.length >= end + 4 + length) {
          return {
            status: Number(head.split(" ")[1]),
            head,
            body: decoder.decode(data.subarray(end + 4, end + 4 + length)),
          };
        }
      }
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        n = null;
      }
      if (n === null) return null;
      const next = new Uint8Array(data.length + n);
      next.set(data);
      next.set(buf.subarray(0, n), data.length);
      data = next;
    }
  } finally {
    clearTimeout(timer);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Sends raw bytes on a fresh connection and reads the response. */
async function raw(
  port: number,
  request: string | Uint8Array,
  options: { closeWrite?: boolean } = {},
): Promise<RawResponse | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(conn, typeof request === "string" ? encoder.encode(request) : request);
    if (options.closeWrite) await conn.closeWrite();
    return await readResponse(conn);
  } finally {
    try {
      conn.close();
    } catch { /* closed by the timeout */ }
  }
}

function post(server: ModelServerHandle, body: BodyInit | null, contentType?: string) {
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers["content-type"] = contentType;
  return fetch(`${server.url}/invocations`, { method: "POST", headers, body });
}

async function expectError(response: Response, status: number, pattern: RegExp): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(text.trimEnd().split("\n").length, 1, `one-line reason: ${text}`);
  assert.match(text, pattern);
}

function expectRawError(response: RawResponse | null, status: number, pattern: RegExp): void {
  assert.ok(response, `expected a ${status} response, the connection closed without one`);
  assert.equal(response.status, status, `${response.head}\n${response.body}`);
  assert.equal(response.body.trimEnd().split("\n").length, 1);
  assert.match(response.body, pattern);
}

async function ping(server: ModelServerHandle): Promise<number> {
  const response = await fetch(`${server.url}/ping`);
  await response.body?.cancel();
  return response.status;
}

Deno.test("model server: the original payload, 20+ hostile requests, overload, still alive", {
  ignore: await skipWithout("python3-xgboost", "python3-numpy"),
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "model_server_test_" });
  let server: ModelServerHandle | undefined;
  try {
    const modelText = await Deno.readTextFile(MODEL_FIXTURE);
    await Deno.writeFile(`${dir}/model.tar.gz`, await modelTarball(modelText));
    const { test } = trainTestSplit(randomDataset({ samples: 10000, features: 50, seed: 7 }));
    const payload = samplePayloadCsv(test);
    await Deno.writeTextFile(`${dir}/sample.csv`, payload);
    server = await startModelServer({
      modelDir: `${dir}/model.tar.gz`,
      bodyTimeoutMs: 1500,
      maxInFlight: 8,
      stderr: "null",
    });
    const s = server;
    const port = s.port;
    const model = loadXGBoostModel(modelText);
    const expected = formatPredictions(
      predict(model, test.features.subarray(0, 100 * 50)),
      1,
    );

    await t.step("GET /ping answers 200 with an empty body", async () => {
      const response = await fetch(`${s.url}/ping`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "");
    });

    await t.step("the original payload gets 100 comma-separated predictions", async () => {
      const response = await post(s, payload, "text/csv");
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^text\/csv/);
      const text = await response.text();
      assert.equal(text, expected);
      assert.equal(text.split(",").length, 100);
    });

    await t.step("the answer is the container's text for real XGBoost's predictions", async () => {
      const out = await runPython(
        [
          "import sys, numpy as np, xgboost as xgb",
          `b = xgb.Booster(); b.load_model(${JSON.stringify(MODEL_FIXTURE.pathname)})`,
          // serve_utils/encoder: strip, split lines and commas, float64, DMatrix (float32)
          `payload = open(${JSON.stringify(`${dir}/sample.csv`)}, 'rb').read().strip().decode()`,
          "rows = [[('nan' if v == '' else v) for v in line.split(',')] for line in payload.split('\\n')]",
          "preds = b.predict(xgb.DMatrix(np.array(rows).astype(float)), validate_features=False)",
          "sys.stdout.write(','.join(map(str, preds.tolist())))",
        ].join("\n"),
        "",
        ["numpy", "xgboost"],
      );
      if (out !== null) assert.equal(out, expected);
    });

    await t.step(
      "CRLF line ends, blank trailing lines, spaces and missing values are valid",
      async () => {
        const crlf = payload.replaceAll("\n", "\r\n") + "\r\n\r\n";
        const response = await post(s, crlf, "text/csv; charset=utf-8");
        assert.equal(await response.text(), expected);
        const row = Array.from(
          { length: 50 },
          (_, i) => (i % 3 === 0 ? "" : i % 3 === 1 ? " nan" : "0.5"),
        );
        const missing = await post(s, row.join(","), "text/csv");
        assert.equal(missing.status, 200);
        const value = Number(await missing.text());
        assert.ok(value > 0 && value < 1);
      },
    );

    await t.step("1. empty body: 204", async () => {
      const response = await post(s, "", "text/csv");
      assert.equal(response.status, 204);
      assert.equal(await response.text(), "");
    });

    await t.step("2. wrong content type: 415", async () => {
      await expectError(
        await post(s, payload, "application/json"),
        415,
        /Content-Type 'application\/json' is not supported; send text\/csv/,
      );
    });

    await t.step("3. no content type: 415", async () => {
      await expectError(await post(s, encoder.encode(payload)), 415, /Content-Type is missing/);
    });

    await t.step("4. libsvm (a container format this server does not serve): 415", async () => {
      await expectError(await post(s, "0 1:0.5 2:0.25", "text/libsvm"), 415, /'text\/libsvm'/);
    });

    await t.step("5. non-numeric value: 415 like the container's parse error", async () => {
      const bad = payload.replace(/^[^,]+/, "abc");
      await expectError(
        await post(s, bad, "text/csv"),
        415,
        /value 'abc' at row 1, column 1 is not a number/,
      );
    });

    await t.step("6. a header row: 415", async () => {
      const header = Array.from({ length: 50 }, (_, i) => `f${i}`).join(",");
      await expectError(await post(s, `${header}\n${payload}`, "text/csv"), 415, /'f0'/);
    });

    await t.step("7. too few features: 400 like the container's predict error", async () => {
      const rows = payload.trim().split("\n").map((r) => r.split(",").slice(1).join(","));
      await expectError(
        await post(s, rows.join("\n"), "text/csv"),
        400,
        /rows have 49 values but the model takes 50 features/,
      );
    });

    await t.step("8. too many features: 400", async () => {
      const rows = payload.trim().split("\n").map((r) => `${r},1`);
      await expectError(await post(s, rows.join("\n"), "text/csv"), 400, /rows have 51 values/);
    });

    await t.step("9. ragged rows: 415", async () => {
      const rows = payload.trim().split("\n");
      rows[2] = rows[2].split(",").slice(0, 10).join(",");
      await expectError(
        await post(s, rows.join("\n"), "text/csv"),
        415,
        /row 3 has 10 values but row 1 has 50/,
      );
    });

    await t.step("10. infinite value: 415", async () => {
      await expectError(
        await post(s, payload.replace(/^[^,]+/, "1e999"), "text/csv"),
        415,
        /infinite/,
      );
    });

    await t.step("11. binary garbage and invalid UTF-8: 415", async () => {
      const garbage = new Uint8Array(4096);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
      await expectError(await post(s, garbage, "text/csv"), 415, /is not a number/);
    });

    await t.step("12. whitespace-only body: 415 (no rows)", async () => {
      await expectError(await post(s, " \r\n\t ", "text/csv"), 415, /it has no rows/);
    });

    await t.step("13. declared body over 6 MB: 413 without reading it", async () => {
      const response = await raw(
        port,
        `POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${
          6 * 1024 * 1024 + 1
        }\r\n\r\n`,
      );
      expectRawError(response, 413, /larger than the limit of 6291456 bytes/);
    });

    await t.step("14. chunked body growing past 6 MB: 413", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await writeAll(
          conn,
          encoder.encode(
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n",
          ),
        );
        const chunk = encoder.encode("0.5,".repeat(16384)); // 64 KiB
        const framed = new Uint8Array([
          ...encoder.encode(`${chunk.length.toString(16)}\r\n`),
          ...chunk,
          ...encoder.encode("\r\n"),
        ]);
        const responded = readResponse(conn);
        let sent = 0;
        let settled = false;
        responded.finally(() => (settled = true));
        while (!settled && sent < 8 * 1024 * 1024) {
          try {
            await writeAll(conn, framed);
          } catch {
            break; // the server closed its side after answering
          }
          sent += chunk.length;
        }
        expectRawError(await responded, 413, /larger than the limit of 6291456 bytes/);
        assert.ok(sent > 6 * 1024 * 1024 - chunk.length, `only ${sent} bytes were sent`);
      } finally {
        conn.close();
      }
    });

    await t.step("15. truncated upload (client half-closes early): 400", async () => {
      const response = await raw(
        port,
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\n0.5,0.5,0.",
        { closeWrite: true },
      );
      expectRawError(
        response,
        400,
        /Request body was cut off after \d+ of 1000 bytes; the client closed the connection/,
      );
    });

    await t.step("16. stalled upload: 408 after the body timeout", async () => {
      const response = await raw(
        port,
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\n0.5,",
      );
      expectRawError(response, 408, /not received within 1500 ms \(got 4 bytes\)/);
    });

    await t.step(
      "17. client disconnects mid-upload and after sending: server unaffected",
      async () => {
        for (
          const request of [
            "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n0.5,0.5",
            `POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${
              encoder.encode(payload).length
            }\r\n\r\n${payload}`,
          ]
        ) {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port });
          await writeAll(conn, encoder.encode(request));
          conn.close(); // gone before the answer
        }
        assert.equal(await ping(s), 200);
      },
    );

    await t.step("18. GET /invocations: 405", async () => {
      const response = await fetch(`${s.url}/invocations`);
      assert.equal(response.headers.get("allow"), "POST");
      await expectError(response, 405, /Method GET is not allowed on \/invocations; use POST/);
    });

    await t.step("19. unknown path: 404", async () => {
      await expectError(await fetch(`${s.url}/predict`), 404, /No route for GET \/predict/);
    });

    await t.step(
      "20. malformed HTTP and a bad Content-Length: 400, server unaffected",
      async () => {
        const garbage = await raw(port, "GARBAGE\r\n\r\n");
        assert.ok(garbage === null || garbage.status === 400, garbage?.head);
        const badLength = await raw(
          port,
          "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        );
        assert.ok(badLength === null || badLength.status === 400, badLength?.head);
        assert.equal(await ping(s), 200);
      },
    );

    await t.step("21. a body just under the limit (26,000 rows, 5.2 MB) is scored", async () => {
      const row = Array.from({ length: 50 }, () => "0.5").join(",");
      const big = Array.from({ length: 26000 }, () => row).join("\n");
      assert.ok(big.length > 5_000_000 && big.length < 6 * 1024 * 1024);
      const response = await post(s, big, "text/csv");
      assert.equal(response.status, 200);
      assert.equal((await response.text()).split(",").length, 26000);
    });

    await t.step(
      "22. overload: past 8 requests queued the answer is 503 with Retry-After, not a longer queue",
      async () => {
        // Bursts of 40 requests at once: at most 8 wait for the scorer, the rest are refused.
        let busy: Response | undefined;
        let busyText = "";
        for (let round = 0; round < 20 && busy === undefined; round++) {
          const responses = await Promise.all(
            Array.from({ length: 40 }, () => post(s, payload, "text/csv")),
          );
          for (const response of responses) {
            const text = await response.text();
            if (response.status === 200) assert.equal(text, expected);
            else if (busy === undefined) [busy, busyText] = [response, text];
          }
        }
        assert.ok(busy, "no 503 in 20 bursts of 40 requests");
        assert.equal(busy.status, 503, busyText);
        assert.equal(busy.headers.get("retry-after"), "1");
        assert.match(busyText, /^Server is busy: 8 requests queued \(limit 8\); retry later\n$/);
        assert.equal(await ping(s), 200); // health checks are never queued
        const response = await post(s, payload, "text/csv");
        assert.equal(await response.text(), expected);
      },
    );

    await t.step("/ping still answers and the payload still scores after all of it", async () => {
      assert.equal(await ping(s), 200);
      const response = await post(s, payload, "text/csv");
      assert.equal(await response.text(), expected);
      for (const pid of s.pids) assert.ok((await Deno.stat(`/proc/${pid}`)).isDirectory);
    });
  } finally {
    await server?.stop();
    await Deno.remove(dir, { recursive: true });
  }
  if (server) {
    const status = await server.exited;
    assert.equal(status.signal ?? "SIGTERM", "SIGTERM");
  }
});

Deno.test("model server with 2 workers: both processes serve, stop() ends them all", async () => {
  let server: ModelServerHandle | undefined;
  const cpuTicks = (pid: number) => {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  };
  try {
    server = await startModelServer({
      modelDir: MODEL_FIXTURE.pathname,
      workers: 2,
      stderr: "null",
    });
    assert.equal(server.pids.length, 2);
    const before = server.pids.map(cpuTicks);
    const row = Array.from({ length: 50 }, (_, i) => String(i / 50)).join(",");
    const body = Array.from({ length: 4000 }, () => row).join("\n");
    // Many fresh connections: SO_REUSEPORT spreads them over both processes.
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(`${server!.url}/invocations`, {
          method: "POST",
          headers: { "content-type": "text/csv", connection: "close" },
          body,
        }).then(async (r) => (await r.text(), r.status))),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    const used = server.pids.map((pid, i) => cpuTicks(pid) - before[i]);
    assert.ok(used.every((ticks) => ticks > 0), `CPU ticks per process: ${used}`);
  } finally {
    await server?.stop();
  }
  for (const pid of server!.pids) {
    assert.throws(() => Deno.statSync(`/proc/${pid}/cmdline`), Deno.errors.NotFound);
  }
});

Deno.test("model server: request bodies past the memory budget get 503", async () => {
  let server: ModelServerHandle | undefined;
  const conns: Deno.Conn[] = [];
  try {
    server = await startModelServer({
      modelDir: MODEL_FIXTURE.pathname,
      maxBufferedBytes: 300_000,
      stderr: "null",
    });
    // An upload of 250 KB (reserved whole with its first bytes) stalls after 100 bytes, so a
    // second upload of 100 KB would pass the 300 KB budget. If the second is read first, the
    // first is the one refused: try again on fresh connections.
    let response: RawResponse | null = null;
    for (let i = 0; i < 20 && response?.status !== 503; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      conns.push(conn);
      await writeAll(
        conn,
        encoder.encode(
          "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 250000\r\n\r\n" +
            "0".repeat(100),
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
      response = await raw(
        server.port,
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n" +
          "0".repeat(100_000),
      );
    }
    expectRawError(
      response,
      503,
      /Server is busy: 250000 bytes of request bodies buffered \(limit 300000\); retry later/,
    );
    assert.match(response!.head, /retry-after: 1/i);
    assert.equal(await ping(server), 200);
  } finally {
    for (const conn of conns) conn.close();
    await server?.stop();
  }
});

Deno.test("startModelServer explains a model it cannot read", async () => {
  await assert.rejects(
    startModelServer({ modelDir: "/nonexistent/model.tar.gz", stderr: "null" }),
    /model '\/nonexistent\/model.tar.gz' cannot be read/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{not json");
    // Refused before a server process is spawned (InvalidModelError), naming the file.
    await assert.rejects(
      startModelServer({ modelDir: `${dir}/bad.json`, stderr: "null" }),
      (error: Error) => {
        assert.ok(error instanceof InvalidModelError, String(error));
        assert.match(
          error.message,
          /^Cannot start the model server: '.*\/bad\.json' is not a model it can serve: invalid JSON/,
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
