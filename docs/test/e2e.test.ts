/**
 * End-to-end test of the built site in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): serves .vitepress/dist on localhost, opens the live example, trains ImplicitRM
 * and naive to completion in the page, checks what the page reports, and saves a screenshot and a
 * report (timings, JavaScript bytes) under test-output/. It also scores text on the scoring page
 * (onnxruntime-web on the model.onnx the build exported) and checks that the browser's scores are
 * the toolkit's own in Node (`loadRewardModel` on the model directory it was exported from).
 *
 * Skips, saying why, when /usr/bin/chromium (or $IMPLICITRM_CHROMIUM) is absent, unless
 * IMPLICITRM_REQUIRE_CHROMIUM=1 (set by .ci/run, which installs chromium), where it fails instead.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_PAIRS } from "../examples/score-in-browser-pairs.js";
import type { SideBySideResult } from "../examples/side-by-side.js";
import { type StaticServer, serveStatic } from "./static-server.js";

const docs = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(docs, ".vitepress", "dist");
const outDir = join(docs, "test-output");
const executablePath = process.env.IMPLICITRM_CHROMIUM ?? "/usr/bin/chromium";
const required = process.env.IMPLICITRM_REQUIRE_CHROMIUM === "1";
const haveChromium = existsSync(executablePath);
/** The limit the issue sets for one training run of the example on this machine. */
const TRAIN_LIMIT_S = 60;

if (!haveChromium && !required) {
  console.log(
    `[docs e2e] skipped: no Chromium at ${executablePath}. Install Debian's chromium (apt-get install -y chromium) ` +
      "or point IMPLICITRM_CHROMIUM at a Chromium binary to run the browser test.",
  );
}

describe.skipIf(!haveChromium && !required)("docs site in headless Chromium", () => {
  let server: StaticServer;
  let context: BrowserContext;
  let profile: string;
  const pageErrors: string[] = [];
  /** Bytes (raw and gzipped) of every .js and .wasm file the pages loaded, by path. */
  const loaded = new Map<string, { bytes: number; gzip: number }>();
  const total = (ext: string) =>
    [...loaded].filter(([p]) => p.endsWith(ext)).reduce((a, [, v]) => ({ bytes: a.bytes + v.bytes, gzip: a.gzip + v.gzip }), { bytes: 0, gzip: 0 });

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`IMPLICITRM_REQUIRE_CHROMIUM=1 but there is no Chromium at ${executablePath}`);
    if (!existsSync(join(dist, "examples", "side-by-side.html"))) {
      throw new Error(`the site is not built (no ${join(dist, "examples", "side-by-side.html")}); run \`pnpm --filter @implicitrm/docs build\` first`);
    }
    mkdirSync(outDir, { recursive: true });
    server = await serveStatic(dist);
    profile = mkdtempSync(join(tmpdir(), "implicitrm-docs-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1280, height: 1000 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  function watch(page: Page): void {
    page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      // Failed requests are reported once, with their URL, by the response handler.
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(`console.error: ${m.text()}`);
    });
    page.on("response", async (res) => {
      const url = new URL(res.url());
      if (res.status() >= 400) pageErrors.push(`HTTP ${res.status()}: ${url.pathname}`);
      if (url.origin !== server.url || !/\.(js|wasm)$/.test(url.pathname)) return;
      try {
        const body = await res.body();
        loaded.set(url.pathname, { bytes: body.length, gzip: gzipSync(body).length });
      } catch {
        // the page navigated away before the body was read; not counted
      }
    });
  }

  const kib = (v: { bytes: number; gzip: number }) => `${(v.bytes / 1024).toFixed(0)} KiB (${(v.gzip / 1024).toFixed(0)} KiB gzip)`;

  /** Waits until Vue has hydrated the page (clicks before that do nothing). */
  async function hydrated(page: Page): Promise<void> {
    await page.waitForFunction(() => (document.querySelector("#app") as { __vue_app__?: unknown } | null)?.__vue_app__ !== undefined);
  }

  it("trains ImplicitRM and naive to completion in the page and reports honest metrics", async () => {
    const page = await context.newPage();
    watch(page);
    const loadStart = performance.now();
    await page.goto(`${server.url}/examples/side-by-side.html`, { waitUntil: "load" });
    await hydrated(page);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const pageJs = total(".js");

    const demo = page.getByTestId("side-by-side");
    await expect(demo.getAttribute("data-state")).resolves.toBe("idle");
    const clickedAt = performance.now();
    await page.getByTestId("run").click();
    await page.waitForFunction(
      () => {
        const state = document.querySelector('[data-testid="side-by-side"]')?.getAttribute("data-state");
        return state === "done" || state === "error" || state === "stopped";
      },
      undefined,
      { timeout: 150_000, polling: 500 },
    );
    const wallSeconds = (performance.now() - clickedAt) / 1000;
    const state = await demo.getAttribute("data-state");
    const error = state === "error" ? await page.getByTestId("error").textContent() : "";
    expect(state, `the example failed: ${error}`).toBe("done");
    const afterTrainingJs = total(".js");
    const wasm = total(".wasm");

    const result = JSON.parse((await demo.getAttribute("data-result")) ?? "null") as SideBySideResult;
    const epochs = JSON.parse((await demo.getAttribute("data-epochs")) ?? "{}") as Record<string, number>;
    const live = JSON.parse((await demo.getAttribute("data-live")) ?? "{}") as { auroc: boolean; posteriors: boolean };
    const cell = async (id: string) => Number(await page.getByTestId(id).textContent());
    const shown = {
      aurocImplicitrm: await cell("auroc-implicitrm"),
      aurocNaive: await cell("auroc-naive"),
      eceImplicitrm: await cell("ece-implicitrm"),
      eceNaive: await cell("ece-naive"),
    };

    // The fixed top bars would cover the top of the element in its screenshot.
    await page.addStyleTag({ content: ".VPNav, .VPLocalNav { display: none !important; }" });
    await demo.scrollIntoViewIfNeeded();
    await demo.screenshot({ path: join(outDir, "side-by-side.png") });

    // The simulation example on the same browser: pure JS, renders at once.
    const sim = await context.newPage();
    watch(sim);
    await sim.goto(`${server.url}/examples/simulate-feedback.html`, { waitUntil: "load" });
    await hydrated(sim);
    await expect(sim.getByTestId("simulate").locator("table").first().textContent()).resolves.toMatch(/PA\s+\d+(\.\d)? %/);
    await sim.close();

    const report = {
      chromium: executablePath,
      backend: result.backend,
      notice: result.notice ?? null,
      pageLoadSeconds: Number(loadSeconds.toFixed(2)),
      pageJs,
      jsAfterTraining: afterTrainingJs,
      wasmLoaded: wasm,
      trainSecondsReportedByPage: Number(result.seconds.toFixed(2)),
      trainWallSeconds: Number(wallSeconds.toFixed(2)),
      epochs,
      live,
      implicitrm: result.implicitrm,
      naive: result.naive,
      data: result.data,
      implicitrmAurocAboveNaive: result.implicitrm.auroc > result.naive.auroc,
      pageErrors,
    };
    writeFileSync(join(outDir, "e2e-report.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `[docs e2e] ${result.backend}: trained in ${report.trainSecondsReportedByPage} s; ` +
        `AUROC ImplicitRM ${result.implicitrm.auroc.toFixed(4)} vs naive ${result.naive.auroc.toFixed(4)}; ` +
        `ECE ${result.implicitrm.ece.toFixed(4)} vs ${result.naive.ece.toFixed(4)}; page JS ${kib(pageJs)}, ` +
        `${kib(afterTrainingJs)} once training loaded, wasm ${kib(wasm)}; screenshot ${join(outDir, "side-by-side.png")}`,
    );

    expect(pageErrors).toEqual([]);
    // 'auto' picks WebGPU where the browser has an adapter; this headless run has no GPU, so wasm.
    expect(["webgpu", "wasm"]).toContain(result.backend);
    expect(result.seconds).toBeLessThan(TRAIN_LIMIT_S);
    // Both trained to completion: early stopping or the epoch cap, never an abort.
    for (const m of [result.implicitrm, result.naive]) {
      expect(m.epochs).toBeGreaterThan(0);
      expect(m.stoppedEarly || m.epochs === 40).toBe(true);
      expect(m.bestEpoch).toBeGreaterThan(0);
      expect(m.auroc).toBeGreaterThan(0.8);
      // The curves drawn while training came from the same function as the returned model.
      expect(m.liveAgrees).toBe(true);
    }
    expect(epochs).toEqual({ implicitrm: result.implicitrm.epochs, naive: result.naive.epochs });
    // The per-epoch AUROC and posteriors were drawn as they trained.
    expect(live).toEqual({ auroc: true, posteriors: true });
    // The table shows what was computed.
    expect(shown.aurocImplicitrm).toBeCloseTo(result.implicitrm.auroc, 3);
    expect(shown.aurocNaive).toBeCloseTo(result.naive.auroc, 3);
    expect(shown.eceImplicitrm).toBeCloseTo(result.implicitrm.ece, 3);
    expect(shown.eceNaive).toBeCloseTo(result.naive.ece, 3);
    // What is true on this protocol (README "What the demo shows"): ImplicitRM is better calibrated.
    // Its AUROC is NOT above naive's here (identifiability, METHOD.md), so the test does not claim it;
    // the comparison is recorded in test-output/e2e-report.json and printed above.
    expect(result.implicitrm.ece).toBeLessThan(result.naive.ece);
  });

  it("scores text in the page with onnxruntime-web and the exported model.onnx, as Node's scorer does (1e-5)", async () => {
    const page = await context.newPage();
    watch(page);
    await page.goto(`${server.url}/examples/score-in-browser.html`, { waitUntil: "load" });
    await hydrated(page);
    const demo = page.getByTestId("score-in-browser");
    await expect(demo.getAttribute("data-state")).resolves.toBe("idle");
    const clickedAt = performance.now();
    await page.getByTestId("score").click();
    await page.waitForFunction(
      () => ["done", "error"].includes(document.querySelector('[data-testid="score-in-browser"]')?.getAttribute("data-state") ?? ""),
      undefined,
      { timeout: 60_000, polling: 200 },
    );
    const seconds = (performance.now() - clickedAt) / 1000;
    const state = await demo.getAttribute("data-state");
    const error = state === "error" ? await page.getByTestId("error").textContent() : "";
    expect(state, `the scoring example failed: ${error}`).toBe("done");
    const rows = JSON.parse((await demo.getAttribute("data-result")) ?? "[]") as Array<{ prompt: string; response: string; logit: number; reward: number; score: number }>;
    expect(rows.map(({ prompt, response }) => ({ prompt, response }))).toEqual(EXAMPLE_PAIRS);
    await demo.scrollIntoViewIfNeeded();
    await demo.screenshot({ path: join(outDir, "score-in-browser.png") });
    await page.close();

    // Node: the toolkit's own scorer on the model directory the export came from.
    const { initBackend } = await import("@implicitrm/backends");
    await initBackend("cpu", { log: () => {} });
    const { loadRewardModel } = await import("@implicitrm/serve");
    const scorer = await loadRewardModel(join(dist, "models", "score-in-browser", "source"));
    const want = await scorer.score(rows);
    await scorer.dispose();
    let maxDiff = 0;
    want.forEach((w, i) => {
      for (const k of ["logit", "reward", "score"] as const) maxDiff = Math.max(maxDiff, Math.abs(rows[i]![k] - w[k]));
    });
    const spread = Math.max(...want.map((w) => w.reward)) - Math.min(...want.map((w) => w.reward));
    console.log(
      `[docs e2e] score-in-browser: ${rows.length} pairs scored in the page in ${seconds.toFixed(2)} s (first click: loads onnxruntime-web and the model); ` +
        `max |browser − Node| over logit, reward, score ${maxDiff.toExponential(2)}; rewards span ${spread.toFixed(3)}`,
    );
    writeFileSync(join(outDir, "score-in-browser-report.json"), `${JSON.stringify({ seconds, maxDiff, browser: rows, node: want }, null, 2)}\n`);
    expect(pageErrors).toEqual([]);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    // The pairs do not all score the same (a model that ignored its input would pass the comparison).
    expect(spread).toBeGreaterThan(0.1);
  });
});
