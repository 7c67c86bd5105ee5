// The npm route, measured: the same generator in TensorFlow.js (tfjs-core + its wasm or cpu
// backend), timed like `node web/node_render.mjs ... --bench`. Not used by the app.
//   npm install --prefix /tmp/tfjs @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0
//   node web/bench_tfjs.mjs /tmp/tfjs weights/web wasm     # or cpu
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { parseSafetensors, randn, WebGenerator } from "./gan.js";

const [prefix, dir, backend = "wasm"] = process.argv.slice(2);
const require = createRequire(`${prefix}/node_modules/`);
const tf = require("@tensorflow/tfjs-core");
require("@tensorflow/tfjs-backend-cpu");
require("@tensorflow/tfjs-backend-wasm");
const b = readFileSync(`${dir}/generator.safetensors`);
const T = parseSafetensors(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const model = JSON.parse(readFileSync(`${dir}/model.json`, "utf8"));
const ref = new WebGenerator(T, model);
await tf.setBackend(backend); await tf.ready();
const fcW = tf.transpose(tf.tensor(T["fc.weight"].data, [6272, 74]));  // [74, 6272]
const fcB = tf.tensor(T["fc.bias"].data, [6272]);
const perm = (t, shape) => tf.transpose(tf.tensor(t.data, shape), [2, 3, 1, 0]);  // [in,out,kh,kw] -> [kh,kw,out,in]
const w1 = perm(T["conv1.weight"], [128, 64, 4, 4]), b1 = tf.tensor(T["conv1.bias"].data);
const w2 = perm(T["conv2.weight"], [64, 1, 4, 4]), b2 = tf.tensor(T["conv2.bias"].data);
function run(z, digit) {
  return tf.tidy(() => {
    const x = tf.concat([tf.tensor(z, [1, 64]), tf.cast(tf.oneHot(tf.tensor1d([digit], "int32"), 10), "float32")], 1);
    const h = tf.transpose(tf.reshape(tf.relu(tf.add(tf.matMul(x, fcW), fcB)), [1, 128, 7, 7]), [0, 2, 3, 1]);
    const h2 = tf.relu(tf.add(tf.conv2dTranspose(h, w1, [1, 14, 14, 64], 2, "same"), b1));
    return tf.tanh(tf.add(tf.conv2dTranspose(h2, w2, [1, 28, 28, 1], 2, "same"), b2)).dataSync();
  });
}
const z = ref.latent(randn(42, 64), 1, [0.5, 0, 0, 0, 0, 0, 0, 0]);
const a = run(z, 3), r = ref.renderJs(z, 3);  // checked against our JavaScript loops
let maxd = 0; for (let i = 0; i < 784; i++) maxd = Math.max(maxd, Math.abs(Math.round((a[i] + 1) * 127.5) - r[i]));
for (let i = 0; i < 30; i++) run(z, i % 10);
const times = [];
for (let i = 0; i < 300; i++) { const t = performance.now(); run(z, i % 10); times.push(performance.now() - t); }
times.sort((x, y) => x - y);
console.log(JSON.stringify({ backend, tfjs: tf.version_core, max_grey_diff_vs_ours: maxd, median_ms: times[150], p95_ms: times[285] }));
