#!/bin/bash
# docs/cli.md matches the command line: every option each command's --help
# lists is in the page (in that command's section, or the shared one), every
# environment variable a --help names is in its Environment table, and the
# exit statuses are the --help's, word for word (fo_cli_doc.c is the one
# list; the man page is checked by test_install.sh).
. "$(dirname "$0")/lib.sh"

DOC="$FANOUT_SRC/docs/cli.md"
[ -f "$DOC" ] || fail "docs/cli.md is missing"

# section TITLE-REGEX: the lines of the page's '## ' section whose title matches
section () {
    awk -v re="$1" '/^## /{on = ($0 ~ re)} on' "$DOC"
}

missing=()
for cmd in run broker agent list keygen; do
    run_fanout "$cmd" --help
    expect_rc 0 "fanout $cmd --help"
    case $cmd in
        run|broker) text=$(section 'fanout run. and .fanout broker') ;;
        *) text=$(section "fanout $cmd") ;;
    esac
    [ -n "$text" ] || fail "docs/cli.md has no section for fanout $cmd"
    # the options the --help defines: its lines "  -x, --long ARG" and
    # "      --long ARG" (not the ones its prose mentions)
    for opt in $(grep -E -- '^ {2,6}-' "$OUT" | grep -oE -- '^ {2,6}(-[a-zA-Z], )?--?[a-zA-Z][a-z-]*' |
                 grep -oE -- '--?[a-zA-Z][a-z-]*' | sort -u); do
        grep -qE -- "\`$opt[ \`]|\\($opt[ \`)]|\`$opt\`" <<<"$text" || missing+=("$cmd $opt")
    done
    # environment: the names in the --help's environment section
    env_table=$(section '^## Environment')
    for var in $(sed -n '/^environment:/,/^$/p' "$OUT" | grep -oE '^  [A-Z_]+' | tr -d ' '); do
        grep -qE "^\| \`$var\` \|[^|]*\b$cmd\b" <<<"$env_table" || missing+=("$cmd env $var")
    done
    # exit statuses: "  N     words..." joined across its lines
    "$PY" - "$OUT" "$DOC" "$cmd" <<'PY' || missing+=("$cmd exit statuses")
import re, sys
help_text = open(sys.argv[1]).read()
doc = open(sys.argv[2]).read()
cmd = sys.argv[3]
part = help_text.split("exit status:\n", 1)[1]
want, cur = [], None
for line in part.splitlines():
    m = re.match(r"  (\d+) +(.*)", line)
    if m:
        cur = [m.group(1), m.group(2)]
        want.append(cur)
    elif line.startswith("        ") and cur:
        cur[1] += " " + line.strip()
    else:
        break
sec = doc.split("## Exit status", 1)[1]
titles = {"run": "`fanout run` and `fanout broker`:", "broker": "`fanout run` and `fanout broker`:",
          "agent": "`fanout agent`:", "list": "`fanout list`:", "keygen": "`fanout keygen`:"}
block = sec.split(titles[cmd], 1)[1].split("\n\n`", 1)[0]
got = re.findall(r"^- \*\*(\d+)\*\*: (.*)$", block, re.M)
if [tuple(w) for w in want] != got:
    sys.exit("fanout %s --help says %r, docs/cli.md %r" % (cmd, want, got))
PY
done
[ ${#missing[@]} -eq 0 ] || fail "docs/cli.md lacks what --help says: ${missing[*]}"

echo "PASS [$ITEST_NAME]"
