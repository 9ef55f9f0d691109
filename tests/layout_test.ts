// The repository keeps the layout rules of ../shared/spec/layout.md: no forbidden import, no
// import cycle, no exported function with more than two required positional parameters
// (scripts/check_layout.ts, also run by `deno task check`).
import assert from "node:assert/strict";
import { checkLayout, formatViolation } from "../scripts/check_layout.ts";

Deno.test("the repository has no layout violations", async () => {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const violations = await checkLayout(root);
  assert.deepEqual(violations.map(formatViolation), []);
});
