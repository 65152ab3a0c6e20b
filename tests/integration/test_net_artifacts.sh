#!/bin/bash
# Artifacts shipped to a farm without a shared filesystem (docs/artifacts.md):
# a broker host with a build tree (compiled test programs, a shared library
# they load, data files, a symlink, a blob larger than the message limit)
# and three agent hosts in network namespaces whose filesystems lack it
# (each agent runs in a mount namespace with an empty tmpfs over the tree,
# its cache in a directory of its own).
#   1. every test passes, and the big blob went in chunks; a program no
#      pattern names, and the library it loads through an absolute run path
#      into the tree (as CMake links a build tree), are inferred and
#      shipped; a file a test
#      leaves in $FANOUT_OUTPUT_DIR lands under the broker's --output-dir;
#   2. a second run transfers no blob;
#   3. one file changed: only that file (and the manifest) is sent;
#   4. a corrupted cache entry on one agent is found when it first uses it
#      and fetched again;
#   5. a file changed on the broker after it was hashed: its bytes do not
#      match, the agents fetch it again and then give up, and the tests are
#      not run, saying why.
. "$(dirname "$0")/net_lib.sh"
netns_require
command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
command -v cc >/dev/null || skip "no C compiler for the test programs"
command -v sha256sum >/dev/null || skip "sha256sum is missing"
unshare -m true 2>/dev/null || skip "cannot create mount namespaces here"
netns_hosts broker h1 h2 h3

tree="$T_TMP/broker/build"      # only the broker host sees it
mkdir -p "$tree/bin" "$tree/lib" "$tree/data"
cat >"$T_TMP/greet.c" <<'C'
const char *greet (void) { return "hello from the library"; }
C
cat >"$T_TMP/uses_lib.c" <<'C'
#include <stdio.h>
#include <string.h>
const char *greet (void);
int main (void) { puts (greet ()); return strcmp (greet (), "hello from the library") != 0; }
C
cat >"$T_TMP/check_data.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Its first line must be $WANT. */
int main (int argc, char **argv)
{
    char line[256] = "";
    const char *want = getenv ("WANT");
    FILE *f = argc == 2 ? fopen (argv[1], "r") : NULL;
    if (!f || !want || !fgets (line, sizeof line, f))
        return 2;
    line[strcspn (line, "\n")] = '\0';
    printf ("%s\n", line);
    return strcmp (line, want) != 0;
}
C
cc -shared -fPIC -o "$tree/lib/libgreet.so" "$T_TMP/greet.c" || fail "cannot build libgreet"
cc -o "$tree/bin/uses_lib" "$T_TMP/uses_lib.c" -L"$tree/lib" -lgreet \
    -Wl,-rpath,'$ORIGIN/../lib' || fail "cannot build uses_lib"
cc -o "$tree/bin/check_data" "$T_TMP/check_data.c" || fail "cannot build check_data"
# Not declared: found from the test's command and the program's dynamic
# section (DT_NEEDED libgreet2.so, DT_RUNPATH $tree/lib2, absolute).
mkdir -p "$tree/bin2" "$tree/lib2"
cc -shared -fPIC -Wl,-soname,libgreet2.so -o "$tree/lib2/libgreet2.so.1" "$T_TMP/greet.c" ||
    fail "cannot build libgreet2"
ln -s libgreet2.so.1 "$tree/lib2/libgreet2.so"
cc -o "$tree/bin2/uses_lib2" "$T_TMP/uses_lib.c" -L"$tree/lib2" -lgreet2 \
    -Wl,--enable-new-dtags,-rpath,"$tree/lib2" || fail "cannot build uses_lib2"
cc -o "$tree/bin2/unused" "$T_TMP/check_data.c" || fail "cannot build unused"
echo "first version" >"$tree/data/input.txt"
ln -s input.txt "$tree/data/link"
head -c $((20 * 1024 * 1024 + 12345)) /dev/urandom >"$tree/data/big.bin"
(cd "$tree/data" && sha256sum big.bin >big.sha256)
# Written long ago: the broker's hash cache trusts only files older than a
# moment (a write within the clock's granularity could hide).
find "$tree" -exec touch -h -d 2020-01-01 {} +

{
    echo "artifacts: [bin, lib, 'data/*']"
    echo "tests:"
    echo "  - {name: lib, run: ./bin/uses_lib}"
    echo "  - {name: big, run: 'cd data && sha256sum -c big.sha256'}"
    echo "  - {name: link, run: 'test \"\$(cat data/link)\" = \"\$(cat data/input.txt)\"'}"
    echo "  - {name: leaves, run: 'cp data/input.txt \"\$FANOUT_OUTPUT_DIR/copy.txt\"'}"
    echo "  - {name: elsewhere, run: 'test \"\$PWD\" = \"\$FANOUT_WORKSPACE\" && test \"\$PWD\" != $tree'}"
    for i in $(seq -f "%02g" 1 8); do
        echo "  - {name: data$i, run: ['$tree/bin/check_data', data/input.txt]}"
    done
    echo "env: {WANT: first version}"
    echo "contexts:"
    echo "  - name: inferred"
    echo "    tests: [{name: lib2, run: ['$tree/bin2/uses_lib2']}]"
} >"$tree/fanout.yml"
ids="lib big link leaves elsewhere $(seq -f "data%02g" 1 8) inferred/lib2"

# What will be shipped: the inferred program and library, not bin2/unused.
"$FANOUT" list --artifacts --hash-cache off "$tree/fanout.yml" >"$T_TMP/list.out" 2>&1 ||
    fail "fanout list --artifacts failed: $(cat "$T_TMP/list.out")"
grep -qE "^the top level: manifest [0-9a-f]{16}: 8 files .*, 2 links" "$T_TMP/list.out" ||
    fail "the top level's manifest is not 8 files and 2 links: $(head -n 1 "$T_TMP/list.out")"
for f in bin2/uses_lib2 lib2/libgreet2.so.1 "lib2/libgreet2.so -> libgreet2.so.1"; do
    grep -qF -- " $f" "$T_TMP/list.out" || fail "fanout list --artifacts lacks $f: $(cat "$T_TMP/list.out")"
done
! grep -q "bin2/unused" "$T_TMP/list.out" || fail "a program no test runs was inferred"

# run N: a broker run with three fresh --once agents (each cache kept).
run () {
    local n=$1 h
    mkdir -p "$T_TMP/out$n"
    start_on broker "broker$n" env FANOUT_LOG=info "$FANOUT" broker \
        --bind "tcp://${ADDR[broker]}:5555" --insecure --min-agents 3 --wait 30 \
        --hash-cache "$T_TMP/broker/hashes.json" --output-dir "$T_TMP/out$n" --json "$T_TMP/report$n.json" "$tree/fanout.yml"
    wait_log "broker$n" "listening on tcp://"
    [ -z "${BEFORE_AGENTS-}" ] || eval "$BEFORE_AGENTS"
    for h in h1 h2 h3; do
        mkdir -p "$T_TMP/$h"
        start_on "$h" "agent$n-$h" unshare -m sh -c \
            "mount -t tmpfs none '$T_TMP/broker' && test ! -e '$tree' && exec \"\$0\" \"\$@\"" \
            env FANOUT_LOG=info "$FANOUT" agent --connect "tcp://${ADDR[broker]}:5555" \
            --insecure --once -j 2 --name "$h" --cache-dir "$T_TMP/$h/cache"
    done
    finish "broker$n" 90
    for h in h1 h2 h3; do finish "agent$n-$h" 20; done
}
# sent N: the bytes the broker of run N says it sent.
sent () { sed -n 's/.*artifacts: \([0-9]*\) bytes sent.*/\1/p' "$T_TMP/broker$1.err"; }
# blobs N HOST: the blobs HOST's agent received in run N (0 when it logged none).
blobs () {
    local b
    b=$(sed -n 's/.*artifacts: [0-9]* bytes received in \([0-9]*\) blobs.*/\1/p' "$T_TMP/agent$1-$2.err")
    echo "${b:-0}"
}

# 1. Everything is shipped, and every test passes.
run 1
expect_rc broker1 0 "every test passes on hosts without the tree"
one_outcome "$T_TMP/report1.json" $ids
json_assert "$T_TMP/report1.json" "all(x['outcome'] == 'passed' for x in r['tests'])"
json_assert "$T_TMP/report1.json" "set(hosts) == {'h1', 'h2', 'h3'}" "work on all three hosts"
for h in h1 h2 h3; do expect_rc "agent1-$h" 0; done
big=$(stat -c %s "$tree/data/big.bin")
[ "$(sent 1)" -ge "$big" ] || fail "run 1 sent $(sent 1) bytes, less than the big file ($big)"
chunks=$(sed -n 's/.*bytes sent in \([0-9]*\) chunks.*/\1/p' "$T_TMP/broker1.err")
[ "$chunks" -gt 20 ] || fail "the $big-byte blob went in $chunks chunks (more than 20 expected)"
[ "$(cat "$T_TMP/out1/leaves/copy.txt" 2>/dev/null)" = "first version" ] ||
    fail "the file test 'leaves' wrote is not in the broker's --output-dir"
json_assert "$T_TMP/report1.json" "tests['leaves'].get('outputs') == ['$T_TMP/out1/leaves/copy.txt']" \
    "the report names the file 'leaves' sent back"
json_assert "$T_TMP/report1.json" "all('outputs' not in x for x in r['tests'] if x['id'] != 'leaves')"
expect_log broker1 "artifacts: 8 files hashed \([0-9]+ bytes\), 0 unchanged from the hash cache"
note "run 1: $(sent 1) bytes in $chunks chunks to 3 agents"

# 2. A second run: every blob is in every agent's cache.
run 2
expect_rc broker2 0
one_outcome "$T_TMP/report2.json" $ids
[ "$(sent 2)" = 0 ] || fail "the second run sent $(sent 2) bytes (none expected)"
expect_log broker2 "artifacts: 0 bytes sent in 0 chunks"
expect_log broker2 "artifacts: 0 files hashed \(0 bytes\), 8 unchanged from the hash cache"
for h in h1 h2 h3; do [ "$(blobs 2 "$h")" = 0 ] || fail "$h received $(blobs 2 "$h") blobs in run 2"; done

# 3. One file changed: that file and the manifest, nothing else.
echo "second version" >"$tree/data/input.txt"
touch -d 2020-01-02 "$tree/data/input.txt"
sed -i 's/WANT: first version/WANT: second version/' "$tree/fanout.yml"
run 3
expect_rc broker3 0 "the changed file reached the agents"
[ "$(sent 3)" -gt 0 ] && [ "$(sent 3)" -lt 100000 ] ||
    fail "run 3 sent $(sent 3) bytes (the small file and the manifests only)"
for h in h1 h2 h3; do
    [ "$(blobs 3 "$h")" -le 2 ] || fail "$h received $(blobs 3 "$h") blobs (the file and the manifest at most)"
done
expect_log broker3 "artifacts: 1 files hashed \(15 bytes\), 7 unchanged from the hash cache"

# 4. A corrupt cache entry on h1: dropped at its first use, fetched again.
id=$("$PY" -c "import hashlib,sys; print(hashlib.blake2b(open(sys.argv[1],'rb').read(), digest_size=32).hexdigest())" "$tree/data/big.bin")
entry="$T_TMP/h1/cache/blobs/${id:0:2}/$id"
[ -f "$entry" ] || fail "h1's cache has no $entry"
# One byte flipped (never written over with a value it may already hold:
# the blob is random, and an 'X' written at a fixed place left it intact
# once in 256 runs).
chmod u+w "$entry"
"$PY" - "$entry" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1000)
    b = f.read(1)[0]
    f.seek(1000)
    f.write(bytes([b ^ 0xFF]))
PY
cmp -s "$entry" "$tree/data/big.bin" && fail "h1's cache entry is not corrupt"
run 4
expect_rc broker4 0
expect_log agent4-h1 "blob cache .*: a corrupt blob removed \(.*/$id: its content does not match its name\); it is fetched again"
expect_no_log agent4-h2 "corrupt blob"
[ "$(sent 4)" -ge "$big" ] || fail "run 4 sent $(sent 4) bytes: the corrupt blob was not fetched again"
cmp -s "$entry" "$tree/data/big.bin" || fail "h1's cache entry was not restored"

# 5. Changed on the broker after it was hashed: it never verifies. Every
# agent must fetch it (with one cache kept, whether a lease needing it
# reached an agent without it was up to the scheduler: once none did).
rm -rf "$T_TMP/h1/cache" "$T_TMP/h2/cache" "$T_TMP/h3/cache"
BEFORE_AGENTS='printf "Y" | dd of="$tree/data/big.bin" bs=1 seek=7 conv=notrunc 2>/dev/null'
run 5
expect_rc broker5 3 "tests whose artifacts cannot be had are not run"
grep -qE "do not match its hash \(after 3 tries\)" "$T_TMP"/agent5-h?.err \
    || fail "no agent logged that the blob does not match its hash after 3 tries"
json_assert "$T_TMP/report5.json" "any(x['outcome'] == 'not_run' and 'do not match its hash' in x['message'] for x in r['tests'])" \
    "the not-run tests say why"
wait_no_orphans 5
note "runs: sent $(sent 1), $(sent 2), $(sent 3), $(sent 4) bytes"
