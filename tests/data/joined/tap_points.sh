#!/bin/sh
# A TAP program for test_joined.sh: what it prints is chosen by TAP_POINTS.
case "${TAP_POINTS:-mixed}" in
mixed)
    printf 'TAP version 14\n1..6\nok 1 - parses\nok 2 - network # SKIP offline\n'
    printf 'not ok 3 - unicode # TODO later\nok 4 - cache # TODO flaky\n'
    printf 'not ok 5 - sums\n  ---\n  message: expected 3, got 4\n  ...\n'
    printf 'not ok 6 - lines\n# got: 2\n# expected: 3\n'
    exit 2 ;;
short) printf '1..5\nok 1 - a\nok 2 - b\nok 3 - c\n' ;;
bail) printf '1..4\nok 1 - a\nBail out! no database\nok 2 - b\n' ;;
crash) printf '1..3\nok 1 - a\n'; kill -SEGV $$ ;;
early) kill -SEGV $$ ;;
silent) ;;
exit1) printf '1..2\nok 1 - a\nok 2 - b\n'; exit 1 ;;
hostile)
    # Control characters, a 60000-byte name, a 100000-byte line (past the
    # parser's line limit: output, not a point), the same name three
    # times, one of them the program's own test's ("all"), no name at all.
    printf '1..8\nok 1 - \033[2J\033]0;pwned\007x\n'
    printf 'ok 2 - %s\n' "$(head -c 60000 /dev/zero | tr '\0' n)"
    printf 'ok 3 - %s\n' "$(head -c 100000 /dev/zero | tr '\0' m)"
    printf 'ok 4 - same\nok 5 - same\nok 6 - all\nok 7\nnot ok 8 - same\n'
    exit 1 ;;
many)
    # A million points: past the limit of one program.
    printf '1..1000000\n'
    seq 1 1000000 | sed 's/^/ok /' ;;
flaky)
    # Fails the first time (no marker yet), passes afterwards.
    if [ -e "$ITEST_DIR/flaky.marker" ]; then
        printf '1..2\nok 1 - a\nok 2 - b\n'
    else
        : >"$ITEST_DIR/flaky.marker"
        printf '1..2\nok 1 - a\n'; kill -SEGV $$
    fi ;;
esac
