#!/bin/sh
# Build web/kernel.wasm from web/kernel.c (Debian: apt-get install clang lld). The .wasm is
# committed, so the app itself needs no compiler.
set -e
cd "$(dirname "$0")"
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -fno-builtin \
  -Wl,--no-entry -Wl,--initial-memory=4194304 -Wl,--strip-all \
  -o kernel.wasm kernel.c
ls -l kernel.wasm
