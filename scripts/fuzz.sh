#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time (default 60 s each) on one
# core, after seeding its corpus from fixtures/ and fuzz/regressions/.
#   scripts/fuzz.sh [seconds-per-target] [target...]
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# A crash leaves its input under fuzz/artifacts/<target>/: save it under
# fuzz/regressions/<target>/ (tests/fuzz_regressions.rs replays it) and fix it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(frontends config_loader renderings)
fi

# The first byte of a `frontends`/`renderings` input picks the language in
# this order (fuzz/src/lib.rs: LANGUAGES).
language_byte() {
    case "$1" in
        javascript) printf '\x00' ;;
        typescript) printf '\x01' ;;
        tsx) printf '\x02' ;;
        python) printf '\x03' ;;
        rust) printf '\x04' ;;
    esac
}

seed() {
    local target="$1" corpus="fuzz/corpus/$1"
    mkdir -p "$corpus"
    cp fuzz/regressions/"$target"/* "$corpus"/ 2>/dev/null || true
    case "$target" in
        frontends | renderings)
            for language in javascript typescript tsx python rust; do
                [ -d "fixtures/$language" ] || continue
                find "fixtures/$language" -type f -size -64k | while read -r file; do
                    name="$language-$(printf '%s' "$file" | cksum | cut -d' ' -f1)"
                    { language_byte "$language"; cat "$file"; } >"$corpus/$name"
                done
            done
            ;;
        config_loader)
            find . -path ./target -prune -o -path ./fuzz -prune -o \
                \( -name '.handoff.yml' -o -name '*.handoff.yml' -o -path './rules/*.yaml' \) \
                -type f -size -64k -print | while read -r file; do
                cp "$file" "$corpus/$(printf '%s' "$file" | cksum | cut -d' ' -f1).yml"
            done
            ;;
    esac
}

for target in "${targets[@]}"; do
    seed "$target"
    echo "== fuzz $target for ${seconds}s ($(ls "fuzz/corpus/$target" | wc -l) corpus inputs)"
    cargo +nightly fuzz run -O "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20
done
