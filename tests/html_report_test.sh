#!/bin/sh
# html_report_test.sh - writes a report for a synthetic sweep file, opens its report.html in
# headless Chromium (Debian package chromium) and checks the screenshot (tests/html_check.py):
# not blank, the answer first, the embedded figures drawn. Ends with "N passed, N failed".
# When Chromium is missing and cannot be installed (root + apt-get), or cannot start, it prints
# "SKIPPED: <reason>" and "0 passed, 0 failed, 1 skipped": a skip, never a pass.
# OVSWEEP_CHROMIUM=NAME uses another browser.
cd "$(dirname "$0")/.." || exit 1
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/ovsweep-html.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

skip() {
    echo "SKIPPED: $1"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}

fail() {
    echo "FAIL: $1"
    [ -f "$2" ] && tail -n 20 "$2"
    echo "0 passed, 1 failed"
    exit 1
}

# OVSWEEP_CHROMIUM names another Chromium-like browser (e.g. google-chrome); it is not installed
if [ -n "${OVSWEEP_CHROMIUM:-}" ]; then
    browser=$(command -v "$OVSWEEP_CHROMIUM" || true)
    [ -n "$browser" ] || skip "OVSWEEP_CHROMIUM=$OVSWEEP_CHROMIUM is not an executable"
else
    browser=$(command -v chromium || command -v chromium-browser || true)
fi
if [ -z "$browser" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing the Debian package chromium"
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -o DPkg::Lock::Timeout=600 install \
            -y --no-install-recommends chromium >"$tmp/apt.log" 2>&1 ||
            skip "chromium could not be installed: $(tail -n 1 "$tmp/apt.log")"
        browser=$(command -v chromium || true)
    fi
    [ -n "$browser" ] || skip "chromium is not installed (Debian package chromium; needs root)"
fi

# a small synthetic sweep with a known boundary, and its report
timeout 120 "$PY" -c "
import sys
sys.path.insert(0, 'tests/python')
import ovsynth
ovsynth.write_sweep('$tmp/s.h5', groups=((40, 'softplus'), (40, 'relu')), k=range(1, 13),
                    d=range(1, 13), trials=6, max_iter=3000,
                    prob=ovsynth.logistic_prob(midpoint=1.0, slope=5.0))
" >"$tmp/synth.log" 2>&1 || fail "could not write the synthetic sweep file" "$tmp/synth.log"
MPLBACKEND=Agg timeout 300 "$PY" analysis report "$tmp/s.h5" -o "$tmp/rep" --dpi 110 \
    --bootstrap 20 >"$tmp/report.log" 2>&1 || fail "analysis report failed" "$tmp/report.log"
[ -s "$tmp/rep/report.html" ] || fail "no report.html" "$tmp/report.log"

# the screenshot, from a fresh profile, with nothing fetched from the network
if ! timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size=1200,5000 \
    --screenshot="$tmp/shot.png" "file://$tmp/rep/report.html" >"$tmp/chromium.log" 2>&1 ||
    [ ! -s "$tmp/shot.png" ]; then
    why=$(grep -v dbus "$tmp/chromium.log" | tail -n 1)
    skip "chromium could not start or take a screenshot: $why"
fi
echo "screenshot of $tmp/rep/report.html by $("$browser" --version 2>/dev/null | head -n 1)"
timeout 120 "$PY" tests/html_check.py "$tmp/shot.png" "$tmp/rep/report.md"
