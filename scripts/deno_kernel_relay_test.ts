// Proves the relay's two rules on synthetic Jupyter messages (run under the Python it runs
// with): a cell's idle status waits until that cell's outputs have been quiet for QUIET_S and
// always comes after them, a message of another request releases it at once; and replies from
// the kernel, which carry only the relay's identity, go back to the frontend that asked.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { skipWithout } from "./packages.ts";

const RELAY_DIR = fileURLToPath(new URL(".", import.meta.url));

const CHECK = `
import importlib.util, json, time
spec = importlib.util.spec_from_file_location("relay", ${
  JSON.stringify(RELAY_DIR + "deno_kernel_relay.py")
})
relay = importlib.util.module_from_spec(spec)
spec.loader.exec_module(relay)

def message(kind, parent, content=None, identities=()):
    return [*identities, relay.DELIMITER, b"sig", json.dumps({"msg_type": kind, "msg_id": kind + "-id"}).encode(),
            json.dumps({"msg_id": parent}).encode(), b"{}", json.dumps(content or {}).encode()]

sent = []
hold = relay.IdleHold(lambda frames: sent.append(relay.parse(frames)[0] + ":" + relay.parse(frames)[1]))
hold.message(message("status", "a", {"execution_state": "busy"}))
hold.message(message("status", "a", {"execution_state": "idle"}))
hold.due()
first = list(sent)                    # idle held
time.sleep(relay.QUIET_S * 0.6)
hold.message(message("stream", "a"))  # a late output of cell a: out now, idle later
time.sleep(relay.QUIET_S * 0.6)
hold.due()
second = list(sent)                   # still held: the late output pushed it back
time.sleep(relay.QUIET_S * 0.6)
hold.due()
third = list(sent)                    # now released, after the output
hold.message(message("status", "b", {"execution_state": "idle"}))
hold.message(message("status", "c", {"execution_state": "busy"}))  # another request: release b
fourth = list(sent)

senders = relay.Senders()
request = message("execute_request", "", identities=[b"client-1"])
request[3] = json.dumps({"msg_type": "execute_request", "msg_id": "req-1"}).encode()
senders.note("shell", request)
reply = senders.address("shell", message("execute_reply", "req-1"))
other = senders.address("shell", message("kernel_info_reply", "unknown"))
print(json.dumps({"first": first, "second": second, "third": third, "fourth": fourth,
                  "reply": reply[0].decode(), "other": other[0].decode()}))
`;

Deno.test({
  name: "the relay holds a cell's idle until its outputs are quiet and routes replies home",
  ignore: await skipWithout("python3-zmq"),
  async fn() {
    const { stdout, stderr, success } = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", CHECK],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const seen = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(seen.first, ["status:a"]);
    assert.deepEqual(seen.second, ["status:a", "stream:a"]);
    assert.deepEqual(seen.third, ["status:a", "stream:a", "status:a"]);
    assert.deepEqual(seen.fourth.slice(3), ["status:b", "status:c"]);
    assert.equal(seen.reply, "client-1");
    assert.equal(seen.other, "client-1"); // no known parent: the channel's last sender
  },
});
