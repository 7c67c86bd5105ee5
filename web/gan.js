// The Space's generator in the browser: a seed's latent exactly as torch draws it, the
// slider directions and truncation as gan/studio.py applies them, and the folded DCGAN
// generator (Linear -> ReLU -> ConvTranspose 128->64 -> ReLU -> ConvTranspose 64->1 -> tanh)
// in plain JavaScript. No dependencies; the same module runs in Node for the tests.
//
// Weights come from `python -m gan.webexport weights` (weights/web/): float16 in a
// safetensors file, widened to float32 once at load.

export const SIZE = 28;

// ------------------------------------------------------------------ torch.randn, per seed

// MT19937, as torch's CPU generator (torch.Generator().manual_seed(seed), seed < 2**32).
class MT19937 {
  constructor(seed) {
    this.mt = new Uint32Array(624);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev + i, mod 2**32, without losing bits to float rounding
      this.mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
    this.index = 624;
  }

  next() {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  twist() {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

const f32 = Math.fround;
const TWO_PI_F32 = f32(2 * Math.PI);

// torch.randn(n, generator=torch.Generator().manual_seed(seed)) for float32 and n >= 16:
// n uniforms of 24 bits, then Box-Muller on blocks of 16 (pairs j and j+8), the last block
// redrawn when n is not a multiple of 16 (aten's normal_fill). Float32 steps are mirrored
// with Math.fround; torch's vectorised log/sin/cos may differ in the last bit.
export function randn(seed, n) {
  if (n < 16) throw new Error("randn: torch takes another path below 16 numbers");
  const gen = new MT19937(seed);
  const data = new Float32Array(n);
  const uniform = () => (gen.next() & 0xffffff) / 16777216;
  for (let i = 0; i < n; i++) data[i] = uniform();
  const fill16 = (at) => {
    for (let j = 0; j < 8; j++) {
      const u1 = f32(1 - data[at + j]), u2 = data[at + j + 8];
      const radius = f32(Math.sqrt(f32(-2 * f32(Math.log(u1)))));
      const theta = f32(TWO_PI_F32 * u2);
      data[at + j] = f32(radius * f32(Math.cos(theta)));
      data[at + j + 8] = f32(radius * f32(Math.sin(theta)));
    }
  };
  for (let i = 0; i + 16 <= n; i += 16) fill16(i);
  if (n % 16 !== 0) {
    for (let i = n - 16; i < n; i++) data[i] = uniform();
    fill16(n - 16);
  }
  return data;
}

// ------------------------------------------------------------------ weights

const HALF = (() => {  // every float16 bit pattern as a float32: a 256 KB table, built once
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
    table[h] = exp === 0 ? sign * frac * 2 ** -24
      : exp === 31 ? (frac ? NaN : sign * Infinity)
      : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return table;
})();

// gan.project.decode_latent: a projected digit's z (base64url of little-endian float16) ->
// Float32Array [zDim], or null for anything else (the server then renders, and explains).
export function decodeLatent(code, zDim) {
  if (!/^[A-Za-z0-9_-]*$/.test(code)) return null;
  let bytes;
  try { bytes = Uint8Array.from(atob(code.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat(-code.length & 3)), (c) => c.charCodeAt(0)); }
  catch { return null; }
  if (bytes.length !== 2 * zDim) return null;
  const z = Float32Array.from({ length: zDim }, (_, i) => HALF[bytes[2 * i] | (bytes[2 * i + 1] << 8)]);
  return z.every(Number.isFinite) ? z : null;
}

// A safetensors file (8-byte little-endian header length, JSON header, raw data) of F16 or
// F32 tensors -> {name: {shape, data: Float32Array}}.
export function parseSafetensors(buffer) {
  const view = new DataView(buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
  const start = 8 + headerLength, tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [from, to] = info.data_offsets;
    const bytes = buffer.slice(start + from, start + to);  // a copy: aligned for typed arrays
    let data;
    if (info.dtype === "F16") data = Float32Array.from(new Uint16Array(bytes), (h) => HALF[h]);
    else if (info.dtype === "F32") data = new Float32Array(bytes);
    else throw new Error(`unsupported dtype ${info.dtype} for ${name}`);
    tensors[name] = { shape: info.shape, data };
  }
  return tensors;
}

// ------------------------------------------------------------------ the generator

export class WebGenerator {
  // tensors: parseSafetensors(weights/web/generator.safetensors); model: weights/web/model.json;
  // kernel: a WebAssembly.Instance of web/kernel.wasm (renders ~10x faster than the
  // JavaScript loops below, which stay as its reference and for engines without wasm SIMD).
  constructor(tensors, model, kernel = null) {
    const need = (name, shape) => {
      const t = tensors[name];
      if (!t || t.shape.join() !== shape.join()) throw new Error(`${name}: expected shape ${shape}, got ${t && t.shape}`);
      return t.data;
    };
    const Z = model.z_dim, C = model.n_classes, W = model.width, H = W / 2;
    this.zDim = Z; this.nClasses = C; this.width = W; this.half = H; this.model = model;
    this.sliderNames = model.slider_names;
    this.directions = this.sliderNames.map((k) => Float32Array.from(model.directions[k]));

    // Linear [W*49, Z+C]: the latent's columns row by row, and each digit's column on its own
    // (a one-hot input selects one column: no multiply needed).
    const fcW = need("fc.weight", [W * 49, Z + C]), rows = W * 49;
    this.fcZ = new Float32Array(rows * Z);
    this.fcDigit = new Float32Array(C * rows);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < Z; k++) this.fcZ[r * Z + k] = fcW[r * (Z + C) + k];
      for (let d = 0; d < C; d++) this.fcDigit[d * rows + r] = fcW[r * (Z + C) + Z + d];
    }
    this.fcB = need("fc.bias", [rows]);

    // ConvTranspose2d weights [in, out, 4, 4] -> [in][ky][kx][out]: the innermost loop then
    // walks the output channels, contiguous in the weights and in the (y, x, channel) output.
    const w1 = need("conv1.weight", [W, H, 4, 4]);
    this.w1 = new Float32Array(W * 16 * H);
    for (let c = 0; c < W; c++)
      for (let o = 0; o < H; o++)
        for (let k = 0; k < 16; k++) this.w1[(c * 16 + k) * H + o] = w1[(c * H + o) * 16 + k];
    this.b1 = need("conv1.bias", [H]);
    const w2 = need("conv2.weight", [H, 1, 4, 4]);
    this.w2 = new Float32Array(16 * H);
    for (let o = 0; o < H; o++) for (let k = 0; k < 16; k++) this.w2[k * H + o] = w2[o * 16 + k];
    this.b2 = need("conv2.bias", [1])[0];

    this.h1 = new Float32Array(rows);          // [W, 7, 7]
    this.h2 = new Float32Array(14 * 14 * H);   // [14, 14, H]
    this.out = new Float32Array(SIZE * SIZE);
    this.pixels = new Uint8ClampedArray(SIZE * SIZE);
    if (kernel) this.attach(kernel);
  }

  // Copy the weights into the kernel's memory; render() then runs there.
  attach(kernel) {
    if (this.width !== 128 || this.zDim !== 64) throw new Error("kernel.wasm is built for width 128 and z_dim 64");
    const e = kernel.exports, memory = e.memory.buffer;
    const put = (ptr, data) => new Float32Array(memory, e[ptr](), data.length).set(data);
    put("fc_z", this.fcZ); put("fc_digit", this.fcDigit); put("fc_b", this.fcB);
    put("w1", this.w1); put("b1", this.b1); put("w2", this.w2); put("b2", [this.b2]);
    this.kernelZ = new Float32Array(memory, e.z(), this.zDim);
    this.kernelOut = new Float32Array(memory, e.out(), SIZE * SIZE);
    this.kernel = e;
  }

  // Fetch weights/web/ and (unless wasm is false) web/kernel.wasm, instantiated.
  static async load(weightsUrl, kernelUrl, { fetcher = fetch, wasm = true } = {}) {
    const get = (url, what) => fetcher(url).then((r) => { if (!r.ok) throw new Error(`${what}: HTTP ${r.status}`); return r; });
    const [weights, model, kernel] = await Promise.all([
      get(`${weightsUrl}/generator.safetensors`, "weights").then((r) => r.arrayBuffer()),
      get(`${weightsUrl}/model.json`, "model").then((r) => r.json()),
      wasm ? get(kernelUrl, "kernel").then((r) => r.arrayBuffer()).then((b) => WebAssembly.instantiate(b)).then((m) => m.instance) : null,
    ]);
    return new WebGenerator(parseSafetensors(weights), model, kernel);
  }

  // gan.sampling.sample's latent: truncate(randn(seed)) + sum_k slider_k * direction_k,
  // in float32 as torch does it.
  latent(seedLatent, truncation, sliders) {
    const z = new Float32Array(this.zDim);
    for (let i = 0; i < this.zDim; i++) {
      let offset = 0;
      for (let k = 0; k < this.directions.length; k++) offset += f32(sliders[k] || 0) * this.directions[k][i];
      z[i] = f32(f32(seedLatent[i] * f32(truncation)) + f32(offset));
    }
    return z;
  }

  // One digit from latent z [zDim] and digit 0..9 -> grey levels [28*28], 255 = white ink.
  render(z, digit) {
    if (!this.kernel) return this.renderJs(z, digit);
    this.kernelZ.set(z);
    this.kernel.render(digit);
    return this.toPixels(this.kernelOut);
  }

  // gan.data.to_uint8 after tanh: (tanh + 1) * 127.5, rounded, clamped
  toPixels(preTanh) {
    for (let q = 0; q < preTanh.length; q++) this.pixels[q] = Math.round((Math.tanh(preTanh[q]) + 1) * 127.5);
    return this.pixels;
  }

  // The same in JavaScript loops (the kernel's reference).
  renderJs(z, digit) {
    const Z = this.zDim, W = this.width, H = this.half, rows = W * 49;
    const { fcZ, fcDigit, fcB, h1, w1, h2, w2, out } = this;

    // fc: Linear (batch norm folded) + ReLU -> h1 [W, 7, 7]
    for (let r = 0, at = 0, dAt = digit * rows; r < rows; r++, at += Z) {
      let s = fcB[r] + fcDigit[dAt + r];
      for (let k = 0; k < Z; k++) s += fcZ[at + k] * z[k];
      h1[r] = s > 0 ? s : 0;
    }

    // conv1: ConvTranspose2d(W, H, 4, stride 2, padding 1), 7x7 -> 14x14, as a scatter of
    // each input value into its 4x4 window; the ReLU zeros (about half) are skipped.
    for (let p = 0; p < 196; p++) h2.set(this.b1, p * H);
    for (let c = 0; c < W; c++) {
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          const v = h1[c * 49 + i * 7 + j];
          if (v === 0) continue;
          for (let ky = 0; ky < 4; ky++) {
            const y = 2 * i - 1 + ky;
            if (y < 0 || y >= 14) continue;
            for (let kx = 0; kx < 4; kx++) {
              const x = 2 * j - 1 + kx;
              if (x < 0 || x >= 14) continue;
              const wAt = (c * 16 + ky * 4 + kx) * H, oAt = (y * 14 + x) * H;
              for (let o = 0; o < H; o++) h2[oAt + o] += v * w1[wAt + o];
            }
          }
        }
      }
    }
    for (let q = 0; q < h2.length; q++) if (h2[q] < 0) h2[q] = 0;

    // conv2: ConvTranspose2d(H, 1, 4, stride 2, padding 1), 14x14 -> 28x28, then tanh
    out.fill(this.b2);
    for (let y = 0; y < 14; y++) {
      for (let x = 0; x < 14; x++) {
        const hAt = (y * 14 + x) * H;
        for (let ky = 0; ky < 4; ky++) {
          const Y = 2 * y - 1 + ky;
          if (Y < 0 || Y >= SIZE) continue;
          for (let kx = 0; kx < 4; kx++) {
            const X = 2 * x - 1 + kx;
            if (X < 0 || X >= SIZE) continue;
            const wAt = (ky * 4 + kx) * H;
            let s = 0;
            for (let o = 0; o < H; o++) s += h2[hAt + o] * w2[wAt + o];
            out[Y * SIZE + X] += s;
          }
        }
      }
    }
    return this.toPixels(out);
  }
}

// ------------------------------------------------------------------ recipe text

// Python's f"{x:.4g}" for the recipe's numbers (gan.studio._short).
export function short(x) {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const exponent = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(4)))));
  if (exponent < -4 || exponent >= 4) {
    const [mantissa, exp] = x.toExponential(3).split("e");
    const e = Number(exp);
    return `${String(Number(mantissa))}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(Number(x.toPrecision(4)));
}

// gan.studio.Recipe.to_query: digit, seed (or a projected digit's z), psi, then each non-zero
// slider in order. z is base64url, which urlencode leaves as it is.
export function recipeQuery(digit, seed, truncation, sliderNames, sliderValues, z = "") {
  const parts = [`digit=${digit}`, z ? `z=${z}` : `seed=${seed}`, `psi=${short(truncation)}`];
  sliderNames.forEach((name, k) => { if (sliderValues[k] !== 0) parts.push(`${name}=${short(sliderValues[k])}`); });
  return parts.join("&");
}
