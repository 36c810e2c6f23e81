#!/bin/bash
# The busy-machine proof of issue 12: `make test` RUNS times (default 5) in one fresh clone of this
# repository, pulling main before each run, each with `make soak N=3` looping beside it in a second clone.
# Usage: bash benchmarks/proof.sh [RUNS]   (writes $OUT/summary.txt, one line per run; OUT=/tmp/proof)
set -u
runs=${1:-5}
src=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=${OUT:-/tmp/proof}
rm -rf "$out" && mkdir -p "$out" && git clone -q "$src" "$out/test" && git clone -q "$src" "$out/soak"
(cd "$out/test" && make .venv/.installed node_modules/.installed .venv-zensical/.installed) > "$out/install.log" 2>&1
(cd "$out/soak" && make .venv/.installed) >> "$out/install.log" 2>&1
for i in $(seq 1 "$runs"); do
  git -C "$out/test" pull -q "$src" main && git -C "$out/soak" pull -q "$src" main
  commit=$(git -C "$out/test" log --format=%h -1)
  ( while [ ! -e "$out/stop-$i" ]; do (cd "$out/soak" && make soak N=3 >> "$out/soak-$i.log" 2>&1); done ) &
  load=$(cut -d' ' -f1 /proc/loadavg)
  (cd "$out/test" && /usr/bin/time -f "%e wall %U user %S sys" -o "$out/time-$i.txt" make test > "$out/run-$i.log" 2>&1)
  rc=$?
  touch "$out/stop-$i"; wait
  echo "run $i $commit rc=$rc $(tail -1 "$out/time-$i.txt") load-at-start $load" \
    "| $(grep -E '^=+ .*(passed|failed)' "$out/run-$i.log" | tail -1)" \
    "| soak: $(grep -E 'round [0-9]+/3' "$out/soak-$i.log" | grep -vc ' 0 failed') rounds with a failed cell" \
    "of $(grep -cE 'round [0-9]+/3' "$out/soak-$i.log")" >> "$out/summary.txt"
done
cat "$out/summary.txt"
