#!/usr/bin/env bash
# .ci/fuzz.sh [seconds]: build the graph fuzzer (tests/fuzz) with clang,
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, and run it for
# 60 seconds (or the given number) over a copy of the seed corpus. Exits
# non-zero if the build fails or the fuzzer finds a crash or an oracle
# mismatch (the input is then saved as $OUT/fuzz/crash-*).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECS=${1:-60}
OUT=${MOR_CI_OUT:-$ROOT/build-ci}
DIR=$OUT/fuzz
mkdir -p "$OUT"
rm -rf "$DIR"
# the malloc backend: AddressSanitizer then sees every block (and while
# tracing, which the fuzzer's oracle uses, the pools are bypassed)
if ! CC=clang meson setup "$DIR" -Dfuzz=true -Dallocator=malloc -Ddebug_level=3 -Ddemos=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fno-sanitize-recover=undefined >"$OUT/fuzz.build.log" 2>&1 ||
   ! ninja -C "$DIR" tests/fuzz/fuzz_graph >>"$OUT/fuzz.build.log" 2>&1; then
    tail -40 "$OUT/fuzz.build.log"
    echo "fuzz: build failed"
    exit 1
fi
mkdir -p "$DIR/corpus"
cp tests/fuzz/corpus/* "$DIR/corpus/"
"$DIR/tests/fuzz/fuzz_graph" -max_total_time="$SECS" -max_len=512 -len_control=0 -timeout=60 \
    -print_final_stats=1 -artifact_prefix="$DIR/" "$DIR/corpus" >"$OUT/fuzz.log" 2>&1
rc=$?
grep -E '^#[0-9]+ +(INITED|DONE|pulse)|^stat::|ERROR|graph fuzz:|SUMMARY' "$OUT/fuzz.log" | tail -25
echo "fuzz: corpus now $(ls "$DIR/corpus" | wc -l) inputs; exit status $rc"
if [ $rc -ne 0 ]; then
    tail -60 "$OUT/fuzz.log"
    ls "$DIR"/crash-* "$DIR"/timeout-* "$DIR"/leak-* "$DIR"/oom-* 2>/dev/null
fi
exit $rc
