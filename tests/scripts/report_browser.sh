#!/usr/bin/env bash
# The report in a real browser: headless Chromium loads the page; a script in the
# page records how many charts decoded (naturalWidth > 0) and any error; every chart
# must render and nothing may fail.  The screenshot stays as the test's artefact:
# ARTEFACTS/report.png (ARTEFACTS: the build folder's test-artefacts/).
source "$(dirname "$0")/common.sh"
: "${ECHELON_ARTEFACTS:?}"
browser=${ECHELON_CHROMIUM:-/usr/bin/chromium}
[ -x "$browser" ] || fail "$browser missing (tools/install-deps.sh installs chromium)"
run_mpi 1 1 run "$ECHELON_SOURCE_DIR/tests/scenarios/report_small.yaml" --quiet \
    -o "$TMP/small.h5" >/dev/null || fail "run failed"
"$ECHELON_BIN" report "$TMP/small.h5" -o "$TMP/report.html" 2>/dev/null || fail "report failed"
charts=$(grep -o '<img class="chart"' "$TMP/report.html" | wc -l)
[ "$charts" -ge 8 ] || fail "only $charts charts in the page"

flags=(--headless=new --disable-gpu --no-sandbox --no-first-run --hide-scrollbars
       --user-data-dir="$TMP/profile" --virtual-time-budget=10000)
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$TMP/report.html" \
    >"$TMP/dom.html" 2>"$TMP/chromium.log" || { tail "$TMP/chromium.log"; fail "chromium failed"; }
check=$(grep -o '<div id="render-check"[^>]*>[^<]*' "$TMP/dom.html") ||
    fail "the page's check did not run"
echo "$check"
images=$(sed -n 's/.*data-images="\([0-9]*\)".*/\1/p' <<<"$check")
rendered=$(sed -n 's/.*data-rendered="\([0-9]*\)".*/\1/p' <<<"$check")
errors=$(sed -n 's/.*data-errors="\([0-9]*\)".*/\1/p' <<<"$check")
[ "$images" = "$charts" ] || fail "the browser saw $images charts, the page has $charts"
[ "$rendered" = "$charts" ] || fail "only $rendered of $charts charts rendered"
[ "$errors" = 0 ] || fail "console errors: $check"

mkdir -p "$ECHELON_ARTEFACTS"
timeout 120 "$browser" "${flags[@]}" --window-size=1300,6000 \
    --screenshot="$ECHELON_ARTEFACTS/report.png" "file://$TMP/report.html" \
    >/dev/null 2>>"$TMP/chromium.log" || fail "screenshot failed"
[ -s "$ECHELON_ARTEFACTS/report.png" ] || fail "empty screenshot"
cp "$TMP/report.html" "$ECHELON_ARTEFACTS/report.html"
echo "report rendered in Chromium: $rendered charts, no errors; $ECHELON_ARTEFACTS/report.png"
