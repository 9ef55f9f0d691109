// Proves that the browser check can fail: in headless Chromium, a box with a drawing measures as
// inked and an empty box as blank (also below the whole-page shot's 16,000 px), and console
// errors, uncaught exceptions and failed loads are all reported.
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { skipWithout } from "../scripts/packages.ts";
import { screenshotPage } from "./browser.ts";

const PAGE = `<!doctype html><html><body style="margin:0;background:#fff">
<canvas id="drawn" width="300" height="150"></canvas>
<div id="empty" style="width:300px;height:150px"></div>
<img src="missing.png" alt="">
<div style="height:17000px"></div>
<canvas id="far" width="300" height="150"></canvas>
<script>
const c = document.getElementById("drawn").getContext("2d");
c.fillStyle = "#4c78a8"; c.fillRect(20, 20, 120, 100);
c.fillStyle = "#f58518"; c.fillRect(160, 40, 100, 80);
const far = document.getElementById("far").getContext("2d");
far.fillStyle = "#54a24b"; far.fillRect(10, 10, 200, 120); far.fillStyle = "#e45756"; far.fillRect(220, 10, 60, 60);
console.error("a logged error");
window.done = true;
setTimeout(() => { throw new Error("thrown later"); }, 0);
</script></body></html>`;

const BOXES = `["drawn", "empty", "far"].map((id) => {
  const r = document.getElementById(id).getBoundingClientRect();
  return { label: id, x: r.x, y: r.y + scrollY, width: r.width, height: r.height };
})`;

Deno.test({
  name: "screenshotPage() tells a drawn box from a blank one and reports every console error",
  ignore: await skipWithout("chromium"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "browser-test-" });
    try {
      await Deno.writeTextFile(join(dir, "page.html"), PAGE);
      const shot = await screenshotPage(pathToFileURL(join(dir, "page.html")).href, {
        ready: "window.done === true && new Promise((r) => setTimeout(() => r(true), 50))",
        boxes: BOXES,
        width: 400,
        saveTo: join(dir, "page.png"),
      });
      const [drawn, empty, far] = shot.boxes;
      assert.equal(drawn.label, "drawn");
      assert.ok(drawn.inked > 0.4, `drawn: ${drawn.inked}`);
      assert.ok(drawn.colours >= 3, `drawn: ${drawn.colours} colours`);
      assert.equal(empty.inked, 0);
      assert.equal(empty.colours, 1);
      assert.equal(shot.size.width, 400);
      // Below the 16,000 px of the whole-page shot, and measured all the same.
      assert.equal(shot.size.height, 16_000);
      assert.ok(far.y > 16_000 && far.inked > 0.4 && far.colours >= 3, JSON.stringify(far));
      assert.ok(
        shot.errors.some((e) => e === "console.error: a logged error"),
        shot.errors.join("\n"),
      );
      assert.ok(
        shot.errors.some((e) => /^uncaught: Error: thrown later/.test(e)),
        shot.errors.join("\n"),
      );
      assert.ok(shot.errors.some((e) => /missing\.png/.test(e)), shot.errors.join("\n"));
      assert.equal((await Deno.stat(join(dir, "page.png"))).isFile, true);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
