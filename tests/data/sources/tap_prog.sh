#!/bin/sh
# A TAP program for the `tap` source's tests (test_sources.sh): what it
# prints is chosen by TAP_PROG.
case "${TAP_PROG:-pass}" in
pass) printf 'TAP version 14\n1..3\nok 1 - a\nok 2 - b # SKIP not here\nnot ok 3 - c # TODO later\n' ;;
skip) printf '1..0 # SKIP no database\n' ;;
fail) printf 'TAP version 13\n1..2\nok 1 - a\nnot ok 2 - b\n  ---\n  message: expected 1, got 2\n  ...\n'; exit 1 ;;
short) printf '1..3\nok 1 - a\n' ;;
bail) printf '1..3\nok 1 - a\nBail out! no network\n' ;;
esac
