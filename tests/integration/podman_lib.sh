# podman_lib.sh — for the container tests (test_compose, test_deb): source it
# after lib.sh.
#
# podman_setup: points podman at the tests' containers.conf (runc, ulimits;
# CONTAINERS_CONF, so nothing machine-wide changes), skips (77) only where
# podman cannot run a container at all, then makes or reuses the local base
# images (scripts/make-base-image.sh: debootstrap from this machine's Debian
# mirror, podman import; cached). Anything failing after the probe is a
# failure, not a skip.
#
# podman_build_image TAG: builds deploy/Dockerfile from the source tree on
# the local base images as TAG, and removes the image TAG named before (so
# that repeated runs do not pile up images; the build cache stays).

PODMAN_BASE=localhost/fanout-base:bookworm
PODMAN_BASE_SLIM=localhost/fanout-base:bookworm-slim

podman_setup () {
    command -v podman >/dev/null ||
        skip "podman cannot run here: it is not installed (scripts/install-deps.sh installs it)"
    [ "$(id -u)" -eq 0 ] ||
        skip "podman cannot run here as needed: the tests make their base image with debootstrap and use root's podman (run as root)"
    export CONTAINERS_CONF="$FANOUT_SRC/tests/data/podman/containers.conf"
    [ -f "$CONTAINERS_CONF" ] || fail "no $CONTAINERS_CONF"
    if ! podman info >"$ITEST_TMP/podman-info.log" 2>&1; then
        skip "podman cannot run here: 'podman info' fails: $(tail -n 2 "$ITEST_TMP/podman-info.log" | tr '\n' ' ')"
    fi
    # Probe with a root file system of our own (/bin/true and its libraries),
    # before any image exists: can this machine run a container at all?
    local probe="$ITEST_TMP/probe" lib
    mkdir -p "$probe/bin" "$probe/proc" "$probe/dev" "$probe/sys" "$probe/etc" "$probe/tmp"
    cp /bin/true "$probe/bin/true"
    for lib in $(ldd /bin/true | grep -o '/[^ ]*'); do
        mkdir -p "$probe$(dirname "$lib")" && cp -L "$lib" "$probe$lib"
    done
    if ! podman run --rm --network none --rootfs "$probe" /bin/true >"$ITEST_TMP/probe.log" 2>&1; then
        skip "podman cannot run a container here: $(tail -n 3 "$ITEST_TMP/probe.log" | tr '\n' ' ')"
    fi

    command -v debootstrap >/dev/null || fail "debootstrap is not installed (scripts/install-deps.sh)"
    local t0=$SECONDS
    "$FANOUT_SRC/scripts/make-base-image.sh" >"$ITEST_TMP/base-image.log" 2>&1 || {
        cat "$ITEST_TMP/base-image.log" >&2
        fail "scripts/make-base-image.sh failed (log above)"
    }
    echo "base images ready in $((SECONDS - t0)) s: $(grep -o 'up to date\|made .* in [0-9]* s' "$ITEST_TMP/base-image.log" | tail -n 1)"
}

podman_build_image () {
    local tag=$1 t0=$SECONDS stage ref old new
    # The build stage gets a tag of its own (TAG-build), so that an earlier
    # run's build stage is removed like its image, with the layers only it
    # used; the layer with the build dependencies stays cached.
    for stage in build final; do
        ref=$tag; [ "$stage" = build ] && ref="$tag-build"
        old=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
        podman build -f "$FANOUT_SRC/deploy/Dockerfile" $([ "$stage" = build ] && echo --target=build) \
            --build-arg BUILD_IMAGE="$PODMAN_BASE" --build-arg BASE_IMAGE="$PODMAN_BASE_SLIM" \
            -t "$ref" "$FANOUT_SRC" >>"$ITEST_TMP/image-build.log" 2>&1 || {
            tail -n 40 "$ITEST_TMP/image-build.log" >&2
            fail "podman build -f deploy/Dockerfile ($stage stage) failed (last lines above)"
        }
        new=$(podman image inspect --format '{{.Id}}' "$ref") || fail "no image $ref after the build"
        if [ -n "$old" ] && [ "$old" != "$new" ]; then
            podman rmi "$old" >/dev/null 2>&1 || true
        fi
    done
    echo "image $tag built in $((SECONDS - t0)) s"
}
