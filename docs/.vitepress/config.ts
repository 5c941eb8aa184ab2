import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitepress";

const apiDir = fileURLToPath(new URL("../api/", import.meta.url));

/** One sidebar entry per package page that TypeDoc generated (scripts/prepare.mjs), if any. */
function apiItems(): Array<{ text: string; link: string }> {
  if (!existsSync(apiDir)) return [];
  return readdirSync(apiDir)
    .filter((f) => f.endsWith(".md") && f !== "index.md")
    .sort()
    .map((f) => ({ text: `@implicitrm/${f.slice(0, -3)}`, link: `/api/${f.slice(0, -3)}` }));
}

export default defineConfig({
  title: "ImplicitRM",
  description: "Reward models for LLM alignment learned from implicit user feedback (copies, clicks, thumbs-up).",
  lang: "en-US",
  cleanUrls: false,
  srcExclude: ["README.md", "results/**", "node_modules/**", "test-output/**"],
  lastUpdated: false,
  head: [["link", { rel: "icon", type: "image/svg+xml", href: "/favicon.svg" }]],
  themeConfig: {
    nav: [
      { text: "Getting started", link: "/getting-started" },
      { text: "Concepts", link: "/concepts/implicit-feedback" },
      { text: "Guides", link: "/guides/own-logs" },
      { text: "Examples", link: "/examples/side-by-side" },
      { text: "Results", link: "/results" },
      { text: "Architecture", link: "/architecture" },
      { text: "API", link: "/api/" },
    ],
    sidebar: [
      { text: "Getting started", link: "/getting-started" },
      {
        text: "Concepts",
        items: [
          { text: "Implicit feedback", link: "/concepts/implicit-feedback" },
          { text: "The four latent groups", link: "/concepts/latent-groups" },
          { text: "Why naive training is biased", link: "/concepts/naive-bias" },
        ],
      },
      {
        text: "Guides",
        items: [
          { text: "Train on your own logs", link: "/guides/own-logs" },
          { text: "Train on a rated dataset", link: "/guides/rated-dataset" },
          { text: "Choose an encoder", link: "/guides/encoders" },
          { text: "Choose a backend", link: "/guides/backends" },
          { text: "Evaluate fairly", link: "/guides/evaluation" },
          { text: "Use your reward model", link: "/guides/use-your-model" },
          { text: "Score text", link: "/guides/score" },
          { text: "Export to ONNX", link: "/guides/export" },
          { text: "Serve rewards over HTTP", link: "/guides/serve" },
        ],
      },
      {
        text: "Live examples",
        items: [
          { text: "Train in your browser", link: "/examples/side-by-side" },
          { text: "Simulate implicit feedback", link: "/examples/simulate-feedback" },
          { text: "Score in your browser", link: "/examples/score-in-browser" },
        ],
      },
      { text: "Results", link: "/results" },
      { text: "Architecture", link: "/architecture" },
      { text: "API reference", link: "/api/", items: apiItems() },
    ],
    outline: { level: [2, 3] },
    search: { provider: "local" },
    footer: { message: "MIT licensed. ImplicitRM: arXiv 2603.23184." },
  },
  markdown: { math: false },
  vite: {
    build: { target: "es2022", chunkSizeWarningLimit: 2000 },
    // tfjs and the packages are only imported by the examples, which run in the browser.
    ssr: { noExternal: [] },
  },
});
