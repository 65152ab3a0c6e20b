# shared_lib.sh — helpers that both lib.sh and fixtures_lib.sh give their
# tests (each of those sources it): waiting for a broker's endpoint, and
# checking the order of lines in a file. Needs PY (Debian's python3).

# broker_endpoint ERR_FILE: waits (at most 15 s) until the broker whose
# stderr is ERR_FILE says where it listens; prints that tcp:// endpoint,
# or nothing when it never did.
broker_endpoint () {
    local ep= i
    for ((i = 0; i < 150; i++)); do
        ep=$(sed -n 's/.*listening on \(tcp:\/\/[^ ]*\).*/\1/p' "$1" | head -n 1)
        [ -n "$ep" ] && break
        sleep 0.1
    done
    printf '%s' "$ep"
}

# in_order FILE LINE...: these lines are in FILE in this order (other
# lines may sit between them); says which is missing otherwise.
in_order () {
    "$PY" - "$@" <<'PYEOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
pos = 0
for want in sys.argv[2:]:
    try:
        pos = lines.index(want, pos) + 1
    except ValueError:
        sys.exit("'%s' is missing after line %d" % (want, pos))
PYEOF
}
