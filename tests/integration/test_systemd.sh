#!/usr/bin/env bash
# Build-farm hosts (deploy/systemd/): the installed template unit
# fanout-agent@.service passes `systemd-analyze verify` with no complaint
# (its binary and manual page resolved in the installation) and has what a
# farm agent needs (its user, restart policy, key location, hardening); and
# `fanout agent` logs one plain line per event on stderr, as the journal
# wants (no colour, no carriage return, every line prefixed by its role).
. "$(dirname "$0")/net_lib.sh"

command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (package systemd; scripts/install-deps.sh)"
BUILD=$(dirname "$FANOUT")
[ -f "$BUILD/cmake_install.cmake" ] || fail "$BUILD is not fanout's build directory"
P="$T_TMP/prefix"
cmake --install "$BUILD" --prefix "$P" >"$T_TMP/install.out" 2>&1 || fail "cmake --install failed"
unit="$P/lib/systemd/system/fanout-agent@.service"
[ -f "$unit" ] || fail "cmake --install did not install the unit"

# verify FILE: systemd-analyze verify, with the installation's manual pages.
verify () {
    MANPATH="$P/share/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$1" >"$T_TMP/verify.log" 2>&1
}
mkdir "$T_TMP/units"
cp "$unit" "$T_TMP/units/fanout-agent@.service"
cp "$unit" "$T_TMP/units/fanout-agent@ci.service"
for f in fanout-agent@.service fanout-agent@ci.service; do
    verify "$T_TMP/units/$f" || fail "systemd-analyze verify $f failed: $(cat "$T_TMP/verify.log")"
    [ ! -s "$T_TMP/verify.log" ] || fail "systemd-analyze verify $f complains: $(cat "$T_TMP/verify.log")"
done
# The check can fail: a unit with a missing binary and a bad value does.
sed -e "s#^ExecStart=$P/bin/fanout #ExecStart=$P/bin/no-such-fanout #" -e 's/^Restart=on-failure/Restart=sometimes/' \
    "$unit" >"$T_TMP/units/broken@ci.service"
verify "$T_TMP/units/broken@ci.service"
grep -q 'no-such-fanout' "$T_TMP/verify.log" && grep -qi 'restart specifier' "$T_TMP/verify.log" ||
    fail "systemd-analyze verify does not catch a broken unit here: $(cat "$T_TMP/verify.log")"

# What a farm agent's unit must say (docs/deploy.md, "Build-farm hosts").
for line in 'User=fanout' 'Group=fanout' 'Restart=on-failure' 'RestartPreventExitStatus=2' \
            'EnvironmentFile=/etc/fanout/%i/agent.env' "ExecStart=$P/bin/fanout agent --connect \${FANOUT_BROKER} \\" \
            '    --cert /etc/fanout/%i/agent.cert_secret --broker-key /etc/fanout/%i/broker.cert \' \
            'KillMode=mixed' 'StateDirectory=fanout/%i' 'NoNewPrivileges=yes' 'ProtectSystem=full' \
            'PrivateTmp=yes' 'WantedBy=multi-user.target'; do
    grep -qxF -- "$line" "$unit" || fail "the unit lacks the line '$line'"
done
# Nothing that would stop ordinary tests: no read-only /var or /home, no
# device, namespace or executable-memory restrictions.
for key in ProtectSystem=strict ProtectHome=yes ProtectHome=read-only PrivateDevices=yes \
           RestrictNamespaces=yes MemoryDenyWriteExecute=yes PrivateNetwork=yes; do
    grep -qx "$key" "$unit" && fail "the unit sets $key, which stops legitimate tests"
done
grep -q '^FANOUT_BROKER=' "$P/share/doc/fanout/examples/agent.env" || fail "the example agent.env sets no FANOUT_BROKER"

# The agent's log, as the journal gets it: a broker and a --once agent on
# loopback, in plaintext (--insecure; nothing but this test connects).
cat >"$T_TMP/suite.yml" <<'EOF'
tests:
  - {name: one, run: ["true"]}
  - {name: two, run: ["false"]}
EOF
FANOUT_LOG=info start broker "$FANOUT" broker --bind 'tcp://127.0.0.1:*' --insecure --json "$T_TMP/r.json" "$T_TMP/suite.yml"
ep=$(endpoint_of broker)
FANOUT_LOG=info start agent "$FANOUT" agent --connect "$ep" -j 1 --once --insecure
finish broker 60
expect_rc broker 1
finish agent 15
expect_rc agent 0
for role in agent broker; do
    log="$T_TMP/$role.err"
    [ "$(grep -c . "$log")" -ge 2 ] || fail "the $role logged fewer than two lines: $(cat "$log")"
    grep -q $'[\x1b\r]' "$log" && fail "the $role's log has escape sequences or carriage returns"
    bad=$(grep -v "^fanout $role: \(error\|warning\|info\|debug\): [^ ]" "$log" | head -n 3)
    [ -z "$bad" ] || fail "$role log lines without the 'fanout $role: LEVEL: ' prefix: $bad"
done
expect_log agent "^fanout agent: info: joining tcp://127\.0\.0\.1:[0-9]+ with 1 worker slot"

echo "PASS [$T_NAME]"
