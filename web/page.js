// The Generate tab's in-page renderer (loaded by tabs/generate.py once the tab is on screen).
//
// Two Gradio events share the controls' triggers (see tabs/generate.py):
//   show(values): a browser-only event: draws the digit on a canvas over the server's image and
//     returns the recipe text, computed here exactly as gan.studio.Recipe.to_query writes it.
//     A slider's own `input` events draw even sooner: Gradio's event path takes ~10 ms on a busy
//     machine, so a capturing listener draws from the thumb's value at once (onInput), and
//     show() then only sets the text.
//   gate(values): runs before the server's /generate call. Until the generator is ready (or if it
//     failed to load, or a value is one the server must refuse with a message) it passes the
//     values straight on, so the server renders as it always did. Once ready it holds them until
//     the controls have been still for SETTLE_MS: a drag then costs one server render, at its
//     end, which keeps the download button's PNG the server's bit-exact image.
// window.ganWeb is the API; a "gan-web-draw" event on window reports each in-page render.
import { SIZE, WebGenerator, randn, recipeQuery } from "./gan.js";

const SETTLE_MS = 250;
const MAX_SEED = 2 ** 32 - 1;
const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);

export function start({ weightsUrl, kernelUrl, controlIds, outputId = "output" }) {
  if (window.ganWeb) return window.ganWeb;  // the tab was rendered again: keep the loaded generator
  const t0 = performance.now();
  let gen = null, seedCache = { seed: null, latent: null }, canvas = null, timer = null;
  let last = null, drawn = "";  // Gradio's latest values, and the recipe on the canvas
  const api = { ready: false, error: null, readyMs: null, readyAt: null, draws: 0, show, gate };
  window.ganWeb = api;

  WebGenerator.load(weightsUrl, kernelUrl).then((g) => {
    gen = g;
    api.ready = true;
    api.readyMs = performance.now() - t0;  // from this module's start (the page's own code loaded)
    api.readyAt = performance.now();       // from the page's navigation
    document.addEventListener("input", onInput, true);
  }).catch((e) => {  // no WebAssembly SIMD, a blocked file, ...: the server keeps rendering
    api.error = String(e);
    console.warn("in-page generator unavailable, the server renders:", e);
  });

  // Gradio's values [digit, seed, truncation, ...sliders] -> a recipe the server would accept
  // (clamped as gan.studio clamps), or null when the server must answer (it explains refusals).
  function parse(values) {
    const [digit, seed, truncation, ...sliders] = values.map(Number);
    if (values.slice(0, 3).some((v) => v === null || v === "") || sliders.length !== gen.sliderNames.length) return null;
    if (!Number.isInteger(digit) || digit < 0 || digit > 9 || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) return null;
    if (![truncation, ...sliders].every(Number.isFinite)) return null;
    const [lo, hi] = gen.model.truncation_range, range = gen.model.slider_range;
    return { digit, seed, truncation: clamp(truncation, lo, hi), sliders: sliders.map((s) => clamp(s, -range, range)) };
  }

  function latentOf(seed) {  // 64 numbers per seed, drawn once per seed change
    if (seedCache.seed !== seed) seedCache = { seed, latent: randn(seed, gen.zDim) };
    return seedCache.latent;
  }

  // A canvas laid over the server's <img> (same box, same scaling), re-attached if Gradio
  // re-creates the image's container.
  function surface() {
    const img = document.querySelector(`#${outputId} img`);
    const holder = img ? img.parentElement : document.querySelector(`#${outputId}`);
    if (canvas && canvas.parentElement === holder) return canvas;
    if (!holder) return null;
    canvas = canvas || Object.assign(document.createElement("canvas"), { width: SIZE, height: SIZE, className: "gan-web" });
    canvas.style.cssText = "position:absolute;inset:0;width:100%;height:100%;object-fit:contain;image-rendering:pixelated;pointer-events:none;";
    if (getComputedStyle(holder).position === "static") holder.style.position = "relative";
    holder.appendChild(canvas);
    return canvas;
  }

  function draw(r) {
    const key = JSON.stringify(r);
    if (key === drawn && canvas && canvas.isConnected) return;
    drawn = key;
    const t = performance.now();
    const pixels = gen.render(gen.latent(latentOf(r.seed), r.truncation, r.sliders), r.digit);
    const target = surface();
    if (!target) return;
    const ctx = target.getContext("2d");
    const image = ctx.createImageData(SIZE, SIZE);
    for (let q = 0; q < SIZE * SIZE; q++) {
      image.data[4 * q] = image.data[4 * q + 1] = image.data[4 * q + 2] = pixels[q];
      image.data[4 * q + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    api.draws += 1;
    window.dispatchEvent(new CustomEvent("gan-web-draw", { detail: { renderMs: performance.now() - t, recipe: r } }));
  }

  // Browser-only event: draw and return the recipe text (nothing while not ready: the
  // server's answer fills both).
  function show(values) {
    const r = api.ready && parse(values);
    if (!r) return undefined;
    last = values.slice();
    draw(r);
    return recipeQuery(r.digit, r.seed, r.truncation, gen.sliderNames, r.sliders);
  }

  // A slider thumb moved (drag or arrow key): draw from its value now, before Gradio's event.
  function onInput(e) {
    if (!last || e.target.type !== "range") return;
    const holder = e.target.closest(controlIds.map((id) => `#${id}`).join(","));
    const index = holder ? controlIds.indexOf(holder.id) : -1;
    if (index < 0) return;
    const values = last.slice();
    values[index] = Number(e.target.value);
    const r = parse(values);
    if (r) draw(r);
  }

  // Before the server's /generate call: pass through, or wait for the controls to settle.
  // A superseded wait never resolves, so its request is never sent (and it is garbage).
  function gate(values) {
    clearTimeout(timer);  // a wait still pending is superseded, also by a value the server must refuse
    if (!api.ready || !parse(values)) return values;
    return new Promise((resolve) => { timer = setTimeout(() => resolve(values), SETTLE_MS); });
  }

  return api;
}
