#!/bin/bash
# The live view on a terminal, through a pseudo-terminal (Python's pty
# module): status area, a failure scrolling at once, very long names cut,
# a resize, diagnostics (fo_log) above the area, Ctrl-C once (the run stops, the summary says INTERRUPTED) and
# twice (the run ends at once): the terminal is left as it was found. tests/integration/live_view.py says what each checks.
. "$(dirname "$0")/lib.sh"

for scenario in run resize logs intr intr2; do
    reset_work
    timeout -k 5 120 "$PY" "$FANOUT_SRC/tests/integration/live_view.py" "$scenario" "$FANOUT" \
        "$DATA/live/suite.yml" "$ITEST_DIR" >"$OUT" 2>"$ERR" ||
        fail "live view, $scenario: $(cat "$ERR")"
done

echo "PASS [$ITEST_NAME]"
