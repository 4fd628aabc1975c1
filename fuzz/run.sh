#!/usr/bin/env bash
# Build the fuzz targets and run each for a bounded time: `fuzz/run.sh [SECONDS] [TARGET...]`
# (default 10 s each, all targets). CI runs this; for long runs see README "Fuzzing".
#
# The binaries are the ones `cargo fuzz build --sanitizer none` makes, built with the same
# sanitizer-coverage flags (libFuzzer instrumentation, debug assertions on) but without
# cargo-fuzz itself and with parallel codegen: installing cargo-fuzz and its one-codegen-
# unit build would take most of CI's fuzzing budget on 2 cores. The flags are nightly-only;
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. No sanitizer: walkout-core has
# no unsafe code. A finding exits non-zero and leaves the input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-10}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(ingest config snapshot)
cargo fmt --check  # the fuzz workspace is outside the root one that CI formats
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions"
cargo build --quiet --release --bins --target "$triple"
logs="$(mktemp -d)"
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "seeds/$target" "artifacts/$target"
    if ! "$CARGO_TARGET_DIR/$triple/release/$target" "corpus/$target" "seeds/$target" \
        -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" -max_len=16384 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$logs/$target.log" 2>&1; then
        tail -n 60 "$logs/$target.log" >&2
        echo "fuzz target '$target' found a problem: input in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' || true)
    echo "fuzz target '$target': ${runs:-?} runs in ${seconds} s, no findings"
done
