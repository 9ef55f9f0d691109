import assert from "node:assert/strict";
import { isLoopbackHost, parseTarget } from "./target.ts";

Deno.test("loopback hosts are recognised and others are not", () => {
  for (
    const h of [
      "localhost",
      "LOCALHOST",
      "127.0.0.1",
      "127.255.3.4",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
    ]
  ) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (
    const h of [
      "10.0.0.1",
      "128.0.0.1",
      "127.0.0.256",
      "example.com",
      "localhost.example.com",
      // resolved through DNS, which may answer any address
      "api.localhost",
      "::2",
      "0.0.0.0",
    ]
  ) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

Deno.test("parseTarget resolves ports, paths and Host headers", () => {
  const t = parseTarget("http://[::1]:8080/invocations?a=b");
  assert.equal(t.hostname, "::1");
  assert.equal(t.port, 8080);
  assert.equal(t.path, "/invocations?a=b");
  assert.equal(t.hostHeader, "[::1]:8080");
  assert.equal(t.tls, false);
  const s = parseTarget("https://localhost/");
  assert.equal(s.port, 443);
  assert.equal(s.tls, true);
  assert.equal(parseTarget("http://localhost").path, "/");
});

Deno.test("remote targets need allowRemote, and only http(s) URLs are accepted", () => {
  assert.throws(
    () => parseTarget("http://203.0.113.7:8080/"),
    /Refusing to load "203\.0\.113\.7": it is not a loopback address; pass --allow-remote/,
  );
  assert.equal(parseTarget("http://203.0.113.7:8080/", { allowRemote: true }).port, 8080);
  assert.throws(() => parseTarget("ftp://127.0.0.1/"), /Unsupported URL scheme "ftp:"/);
  assert.throws(() => parseTarget("127.0.0.1:8080"), /Invalid URL|Unsupported URL scheme/);
  assert.throws(() => parseTarget("not a url"), /Invalid URL "not a url"/);
});
