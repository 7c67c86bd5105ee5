// The Generate tab's in-page renderer (loaded by the page script of tabs/generate.py once the first digit is on screen).
//
// show(values) is a browser-only Gradio event on every control's change (see tabs/generate.py):
// it draws the digit on a canvas over the server's image and returns the recipe text, computed
// here exactly as gan.studio.Recipe.to_query writes it; no request is sent. A slider's own
// `input` events draw even sooner (onInput), and reach Gradio only after the frame that shows the
// new digit (passOnLater): Gradio's own work on an input (7-14 ms here, README: "Where the time
// between a slider move and its paint goes") would otherwise run in that frame, before its paint.
// The server renders (the hidden #server-render button, or a slider's release) only:
//   - at the end of a drag, and SETTLE_MS after other changes (keys, typing, clicks), so the
//     download button's PNG stays the server's bit-exact image: one request per gesture;
//   - for every change while the generator is not ready or failed to load (no WebAssembly
//     SIMD, a blocked file), and for values the server must refuse with a message.
// window.ganWeb is the API; a "gan-web-draw" event on window reports each in-page render.
import { SIZE, WebGenerator, decodeLatent, randn, recipeQuery } from "./gan.js";

const SETTLE_MS = 250;
const MAX_SEED = 2 ** 32 - 1;
const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);

export function start({ weightsUrl, kernelUrl, controlIds, outputId = "output" }) {
  if (window.ganWeb) return window.ganWeb;  // the tab was rendered again: keep the loaded generator
  const t0 = performance.now();
  let gen = null, seedCache = { seed: null, latent: null }, canvas = null, timer = null;
  let last = null, drawn = "";  // Gradio's latest values, and the recipe on the canvas
  let dragging = false;          // a pointer is down on a slider: its release asks the server
  let released = null;           // the recipe a slider's release asked the server for
  const api = { ready: false, error: null, readyMs: null, readyAt: null, draws: 0, serverRenders: 0, show };
  const held = new Set();         // sliders whose latest input Gradio has not seen yet (passOnLater)
  document.addEventListener("pointerdown", (e) => { dragging = e.target.type === "range"; }, true);
  for (const end of ["pointerup", "pointercancel"]) {
    document.addEventListener(end, () => {
      if (dragging) released = drawn;  // Gradio's release sends the value on the canvas
      dragging = false;
      passOn();
    }, true);
  }
  document.addEventListener("blur", passOn, true);  // Gradio reads the slider's value on release and on blur
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

  // Gradio's values [digit, seed, truncation, ...sliders, z] (z: a projected digit's latent,
  // '' for the seed's) -> a recipe the server would accept (clamped as gan.studio clamps), or
  // null when the server must answer (it explains refusals).
  function parse(values) {
    const z = String(values.at(-1) ?? "");
    const [digit, seed, truncation, ...sliders] = values.slice(0, -1).map(Number);
    if (values.slice(0, 3).some((v) => v === null || v === "") || sliders.length !== gen.sliderNames.length) return null;
    if (!Number.isInteger(digit) || digit < 0 || digit > 9 || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) return null;
    if (![truncation, ...sliders].every(Number.isFinite)) return null;
    if (z && !latentOf(seed, z)) return null;
    const [lo, hi] = gen.model.truncation_range, range = gen.model.slider_range;
    return { digit, seed, z, truncation: clamp(truncation, lo, hi), sliders: sliders.map((s) => clamp(s, -range, range)) };
  }

  function latentOf(seed, z) {  // 64 numbers per seed (or projected z), made once per change
    if (seedCache.seed !== seed || seedCache.z !== z) seedCache = { seed, z, latent: z ? decodeLatent(z, gen.zDim) : randn(seed, gen.zDim) };
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
    const target = surface();
    if (!target) return;
    const t = performance.now();
    const pixels = gen.render(gen.latent(latentOf(r.seed, r.z), r.truncation, r.sliders), r.digit);
    const ctx = target.getContext("2d");
    const image = ctx.createImageData(SIZE, SIZE);
    for (let q = 0; q < SIZE * SIZE; q++) {
      image.data[4 * q] = image.data[4 * q + 1] = image.data[4 * q + 2] = pixels[q];
      image.data[4 * q + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    drawn = key;
    api.draws += 1;
    window.dispatchEvent(new CustomEvent("gan-web-draw", { detail: { renderMs: performance.now() - t, recipe: r } }));
  }

  // Browser-only event: draw and return the recipe text; otherwise let the server answer.
  function show(values) {
    const r = api.ready && parse(values);
    if (!r) {
      clearTimeout(timer);
      askServer();
      return undefined;  // the server's answer fills the image and the recipe
    }
    last = values.slice();
    draw(r);
    clearTimeout(timer);
    // A drag asks on release instead; its last move can reach Gradio (passOn) just after.
    if (!dragging && JSON.stringify(r) !== released) timer = setTimeout(askServer, SETTLE_MS);
    return recipeQuery(r.digit, r.seed, r.truncation, gen.sliderNames, r.sliders, r.z);
  }

  function askServer() {
    released = null;
    const button = document.getElementById("server-render");
    if (button) { api.serverRenders += 1; button.click(); }
  }

  // A slider thumb moved (drag or arrow key): draw from its value now, and hand the input to
  // Gradio (its number box, the change event, the recipe) once this frame has been painted.
  function onInput(e) {
    if (!last || !e.isTrusted || e.target.type !== "range") return;  // our own replay (passOn) goes through
    const holder = e.target.closest(controlIds.map((id) => `#${id}`).join(","));
    const index = holder ? controlIds.indexOf(holder.id) : -1;
    if (index < 0) return;
    const values = last.slice();
    values[index] = Number(e.target.value);
    const r = parse(values);
    if (!r) return;  // the server answers (and explains): Gradio gets the event as it is
    draw(r);
    e.stopPropagation();  // capturing on document: Gradio's listeners, on the slider, wait for passOn
    passOnLater(e.target);
  }

  // After the next frame's paint (the first task after its animation callbacks), replay one
  // `input` per held slider: Gradio reads the slider's current value, so a burst of moves
  // costs it one update. (A page given no frames, e.g. hidden, replays after 200 ms.)
  function passOnLater(slider) {
    if (!held.size) {
      requestAnimationFrame(() => setTimeout(passOn, 0));
      setTimeout(passOn, 200);
    }
    held.add(slider);
  }

  function passOn() {
    for (const slider of [...held]) {
      held.delete(slider);
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  return api;
}
