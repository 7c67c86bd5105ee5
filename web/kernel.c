// The generator's three layers in WebAssembly SIMD (128-bit, four floats at a time), for
// web/gan.js. Built by web/build_kernel.sh (clang --target=wasm32 -msimd128, no libc); the
// built web/kernel.wasm is committed so the Space needs no build step.
//
// Layouts (filled by gan.js from weights/web/generator.safetensors, batch norm folded):
//   fc_z [ROWS][Z]         Linear weights of the latent's columns, ROWS = C1 * 7 * 7
//   fc_digit [10][ROWS]    Linear weights of each digit's one-hot column
//   fc_b [ROWS]            Linear bias
//   w1 [C1][4][4][C2]      ConvTranspose2d(C1, C2, 4, 2, 1) weights, output channels innermost
//   b1 [C2], w2 [4][4][C2], b2: ConvTranspose2d(C2, 1, 4, 2, 1)
// render(digit) reads z [Z] and writes out [28][28]: the values before tanh (gan.js applies it).

#include <wasm_simd128.h>

#define Z 64
#define C1 128
#define C2 64
#define ROWS (C1 * 49)
#define EXPORT(name) __attribute__((export_name(name)))

static float fc_z[ROWS * Z], fc_digit[10 * ROWS], fc_b[ROWS];
static float w1[C1 * 16 * C2], b1[C2], w2[16 * C2], b2[1];
static float z[Z], h1[ROWS], h2[14 * 14 * C2], out[28 * 28];

EXPORT("fc_z") float *fc_z_ptr(void) { return fc_z; }
EXPORT("fc_digit") float *fc_digit_ptr(void) { return fc_digit; }
EXPORT("fc_b") float *fc_b_ptr(void) { return fc_b; }
EXPORT("w1") float *w1_ptr(void) { return w1; }
EXPORT("b1") float *b1_ptr(void) { return b1; }
EXPORT("w2") float *w2_ptr(void) { return w2; }
EXPORT("b2") float *b2_ptr(void) { return b2; }
EXPORT("z") float *z_ptr(void) { return z; }
EXPORT("out") float *out_ptr(void) { return out; }

static float hsum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Linear + ReLU: h1 = relu(fc_z @ z + fc_digit[digit] + fc_b), the one-hot as a column pick.
static void linear(int digit) {
    const float *column = fc_digit + digit * ROWS;
    for (int r = 0; r < ROWS; r++) {
        const float *w = fc_z + r * Z;
        v128_t acc = wasm_f32x4_splat(0.0f);
        for (int k = 0; k < Z; k += 4)
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(w + k), wasm_v128_load(z + k)));
        float s = hsum(acc) + column[r] + fc_b[r];
        h1[r] = s > 0.0f ? s : 0.0f;
    }
}

// ConvTranspose2d(C1, C2, 4, stride 2, padding 1), 7x7 -> 14x14, + ReLU: each non-zero input
// (about half are ReLU zeros) is scattered into its 4x4 window of output pixels, all C2
// channels of a pixel at once (16 vectors).
static void conv1(void) {
    for (int p = 0; p < 196; p++)
        for (int o = 0; o < C2; o += 4) wasm_v128_store(h2 + p * C2 + o, wasm_v128_load(b1 + o));
    for (int c = 0; c < C1; c++) {
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 7; j++) {
                float v = h1[c * 49 + i * 7 + j];
                if (v == 0.0f) continue;
                v128_t vv = wasm_f32x4_splat(v);
                for (int ky = 0; ky < 4; ky++) {
                    int y = 2 * i - 1 + ky;
                    if (y < 0 || y >= 14) continue;
                    for (int kx = 0; kx < 4; kx++) {
                        int x = 2 * j - 1 + kx;
                        if (x < 0 || x >= 14) continue;
                        const float *w = w1 + (c * 16 + ky * 4 + kx) * C2;
                        float *h = h2 + (y * 14 + x) * C2;
                        for (int o = 0; o < C2; o += 4)
                            wasm_v128_store(h + o, wasm_f32x4_add(wasm_v128_load(h + o), wasm_f32x4_mul(vv, wasm_v128_load(w + o))));
                    }
                }
            }
        }
    }
    v128_t zero = wasm_f32x4_splat(0.0f);
    for (int q = 0; q < 14 * 14 * C2; q += 4) wasm_v128_store(h2 + q, wasm_f32x4_max(wasm_v128_load(h2 + q), zero));
}

// ConvTranspose2d(C2, 1, 4, stride 2, padding 1), 14x14 -> 28x28 (before tanh).
static void conv2(void) {
    for (int q = 0; q < 28 * 28; q++) out[q] = b2[0];
    for (int y = 0; y < 14; y++) {
        for (int x = 0; x < 14; x++) {
            const float *h = h2 + (y * 14 + x) * C2;
            for (int ky = 0; ky < 4; ky++) {
                int Y = 2 * y - 1 + ky;
                if (Y < 0 || Y >= 28) continue;
                for (int kx = 0; kx < 4; kx++) {
                    int X = 2 * x - 1 + kx;
                    if (X < 0 || X >= 28) continue;
                    const float *w = w2 + (ky * 4 + kx) * C2;
                    v128_t acc = wasm_f32x4_splat(0.0f);
                    for (int o = 0; o < C2; o += 4)
                        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(h + o), wasm_v128_load(w + o)));
                    out[Y * 28 + X] += hsum(acc);
                }
            }
        }
    }
}

EXPORT("render") void render(int digit) {
    linear(digit);
    conv1();
    conv2();
}
