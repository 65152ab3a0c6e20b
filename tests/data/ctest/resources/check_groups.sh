#!/bin/sh
# check_groups.sh COUNT GROUP... — the CTEST_RESOURCE_GROUP_* variables a
# test with RESOURCE_GROUPS is given, as CTest documents them: COUNT groups;
# GROUP is group i's expected "type=slots,type=slots" with types sorted.
# Each type's variable must list "id:ID,slots:N" entries (';' between) whose
# ids are instances of resources.json and whose slots add up to the slots
# expected (CTest gives one instance per requirement; fanout may give two).
set -u
fail () { echo "check_groups: $*" >&2; exit 1; }
[ "${CTEST_RESOURCE_GROUP_COUNT-}" = "$1" ] \
    || fail "CTEST_RESOURCE_GROUP_COUNT='${CTEST_RESOURCE_GROUP_COUNT-unset}', expected $1"
shift
g=0
for want in "$@"; do
    types=$(echo "$want" | sed 's/=[0-9]*//g')
    eval "got=\${CTEST_RESOURCE_GROUP_$g-unset}"
    [ "$got" = "$types" ] || fail "CTEST_RESOURCE_GROUP_$g='$got', expected '$types'"
    for pair in $(echo "$want" | tr ',' ' '); do
        type=${pair%=*} slots=${pair#*=}
        upper=$(echo "$type" | tr 'a-z' 'A-Z')
        eval "value=\${CTEST_RESOURCE_GROUP_${g}_$upper-unset}"
        total=0
        for entry in $(echo "$value" | tr ';' ' '); do
            case "$type:$entry" in
                gpus:id:0,slots:[0-9]*|gpus:id:1,slots:[0-9]*|crypto:id:c,slots:[0-9]*) ;;
                *) fail "CTEST_RESOURCE_GROUP_${g}_$upper='$value': '$entry' is no instance" ;;
            esac
            total=$((total + ${entry##*slots:}))
        done
        [ "$total" = "$slots" ] \
            || fail "CTEST_RESOURCE_GROUP_${g}_$upper='$value': $total slots, expected $slots"
    done
    g=$((g + 1))
done
echo "check_groups: ok"
