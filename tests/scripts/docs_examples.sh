#!/usr/bin/env bash
# Every ```python example of README.md and results/README.md, run exactly as written
# with the system Python, in a folder where the results files they name exist: a
# short run of the scenario that writes each (the table below says which).  An
# example that raises fails the test, and so does one that names a results file
# the table does not know.
source "$(dirname "$0")/common.sh"

# The results files the examples read, and the scenario whose run writes each.
declare -A scenario_of=(
    [results/demo.h5]=scenarios/demo.yaml
    [results/study.h5]=scenarios/pharmacy_today_vs_improved.yaml
)

mkdir -p "$TMP/results" "$TMP/examples"
for doc in README.md results/README.md; do
    awk -v out="$TMP/examples/$(echo "$doc" | tr / _)" '
        /^```python/ { inside = 1; n++; file = sprintf("%s.%02d.py", out, n); next }
        inside && /^```/ { inside = 0; next }
        inside { print > file }' "$ECHELON_SOURCE_DIR/$doc"
done
count=$(find "$TMP/examples" -name '*.py' | wc -l)
[ "$count" -ge 6 ] || fail "only $count python examples found"

# The files named, each written once by a short run.
for name in $(grep -ohE '"results/[A-Za-z0-9_.-]+\.h5"' "$TMP"/examples/*.py | tr -d '"' | sort -u); do
    [ -n "${scenario_of[$name]:-}" ] || fail "an example reads $name: say in docs_examples.sh which run writes it"
    OMP_NUM_THREADS=2 "$ECHELON_BIN" run "$ECHELON_SOURCE_DIR/${scenario_of[$name]}" \
        --replications 2 --days 20 --warmup 5 --quiet -o "$TMP/$name" >/dev/null ||
        fail "running ${scenario_of[$name]}"
done

# The examples run from the repository root: python/ is where they find the reader.
ln -s "$ECHELON_SOURCE_DIR/python" "$TMP/python"
cd "$TMP"
for example in "$TMP"/examples/*.py; do
    echo "--- $(basename "$example")"
    "$PYTHON" "$example" >"$example.out" 2>&1 || { cat "$example.out"; fail "$(basename "$example") raised"; }
    head -5 "$example.out"
done
echo "$count examples ran"
