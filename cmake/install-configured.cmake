# Runs at install time (install(SCRIPT) in CMakeLists.txt): the files that
# name installation paths — the manual page and the systemd unit — get the
# prefix this installation really uses (`cmake --install --prefix P` may
# differ from the configured one). The install(CODE) before it sets the
# FANOUT_* directories as configured (relative to the prefix unless absolute).
# file(INSTALL) prepends DESTDIR and records the files in install_manifest.txt.

foreach(dir BINDIR MANDIR DOCDIR EXAMPLESDIR SYSTEMD_UNITDIR)
  if(IS_ABSOLUTE "${FANOUT_${dir}}")
    set(FANOUT_FULL_${dir} "${FANOUT_${dir}}")
  else()
    set(FANOUT_FULL_${dir} "${CMAKE_INSTALL_PREFIX}/${FANOUT_${dir}}")
  endif()
endforeach()

configure_file("${FANOUT_SOURCE_DIR}/docs/fanout.1.in" "${FANOUT_GEN_DIR}/fanout.1" @ONLY)
file(INSTALL DESTINATION "${FANOUT_FULL_MANDIR}/man1" TYPE FILE FILES "${FANOUT_GEN_DIR}/fanout.1")

# The unit in deploy/systemd/ is usable as it is with the Debian package
# (/usr/bin/fanout); other prefixes get their own binary's path.
file(READ "${FANOUT_SOURCE_DIR}/deploy/systemd/fanout-agent@.service" unit)
string(REPLACE "/usr/bin/fanout" "${FANOUT_FULL_BINDIR}/fanout" unit "${unit}")
file(WRITE "${FANOUT_GEN_DIR}/fanout-agent@.service" "${unit}")
file(INSTALL DESTINATION "${FANOUT_FULL_SYSTEMD_UNITDIR}" TYPE FILE
     FILES "${FANOUT_GEN_DIR}/fanout-agent@.service")
