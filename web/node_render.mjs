// Render recipes with web/gan.js in Node, for the tests and the kernel benchmark:
//   node web/node_render.mjs weights/web cases.json > out.json
// cases.json: [{seed, digit, truncation, sliders: [..], z (optional: a projected digit's latent)}]; out: [{latent: [...], pixels: [...]}]
// With --bench N: time N renders of the first case instead (ms per render, median and p95).
// With --js: the JavaScript loops instead of web/kernel.wasm.
import { readFileSync } from "node:fs";
import { WebGenerator, decodeLatent, parseSafetensors, randn, recipeQuery } from "./gan.js";

const args = process.argv.slice(2), js = args.includes("--js");
const [dir, casesPath, flag, count] = args.filter((a) => a !== "--js");
const toArrayBuffer = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
const kernel = js ? null : (await WebAssembly.instantiate(readFileSync(new URL("./kernel.wasm", import.meta.url)))).instance;
const gen = new WebGenerator(parseSafetensors(toArrayBuffer(readFileSync(`${dir}/generator.safetensors`))),
                             JSON.parse(readFileSync(`${dir}/model.json`, "utf8")), kernel);
const cases = JSON.parse(readFileSync(casesPath, "utf8"));

if (flag === "--bench") {
  const c = cases[0], times = [];
  const seedLatent = randn(c.seed, gen.zDim);
  for (let i = 0; i < Number(count); i++) {
    const t0 = performance.now();
    gen.render(gen.latent(seedLatent, c.truncation, c.sliders), c.digit);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(JSON.stringify({ median_ms: at(0.5), p95_ms: at(0.95), n: times.length }));
} else {
  const out = cases.map((c) => {
    const seedLatent = c.z ? decodeLatent(c.z, gen.zDim) : randn(c.seed, gen.zDim);
    const z = gen.latent(seedLatent, c.truncation, c.sliders);
    return { seed_latent: Array.from(seedLatent), latent: Array.from(z), pixels: Array.from(gen.render(z, c.digit)),
             recipe: recipeQuery(c.digit, c.seed, c.truncation, gen.sliderNames, c.sliders, c.z || "") };
  });
  console.log(JSON.stringify(out));
}
