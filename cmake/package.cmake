# The Debian package (CPack's DEB generator): `cmake --build build --target package`, or
# tests/packaging/check_deb.sh, which builds, inspects and lints it. Installs under /usr with
# the units, sysusers.d and tmpfiles.d entries, logrotate, bash completion, the man page
# (help2man from --help), the alerting rules and Grafana dashboard, and the sample configuration
# as a conffile; postinst creates the user
# and directories and runs `db-manage upgrade` (packaging/debian/).
set(STAFFELN_PACKAGING ${PROJECT_SOURCE_DIR}/packaging)
install(FILES ${STAFFELN_PACKAGING}/systemd/staffeln-conductor.service ${STAFFELN_PACKAGING}/systemd/staffeln-api.service
        DESTINATION lib/systemd/system COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_PACKAGING}/sysusers.d-staffeln.conf DESTINATION lib/sysusers.d RENAME staffeln.conf
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_PACKAGING}/tmpfiles.d-staffeln.conf DESTINATION lib/tmpfiles.d RENAME staffeln.conf
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_PACKAGING}/bash-completion-staffeln DESTINATION share/bash-completion/completions
        RENAME staffeln COMPONENT deb EXCLUDE_FROM_ALL)
# 0644 as shipped (no secret in it); postinst makes a first install's root:staffeln 0640.
install(FILES ${STAFFELN_PACKAGING}/staffeln.conf DESTINATION /etc/staffeln COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_PACKAGING}/logrotate-staffeln DESTINATION /etc/logrotate.d RENAME staffeln COMPONENT deb
        EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_PACKAGING}/debian/copyright DESTINATION share/doc/staffeln COMPONENT deb EXCLUDE_FROM_ALL)
# What monitoring needs, ready to load: Prometheus' alerting rules and the Grafana dashboard.
install(FILES ${STAFFELN_PACKAGING}/prometheus/staffeln-rules.yml DESTINATION share/staffeln/prometheus COMPONENT deb
        EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_PACKAGING}/grafana/staffeln.json DESTINATION share/staffeln/grafana COMPONENT deb
        EXCLUDE_FROM_ALL)

# Compressed as Debian's policy wants them: the man page from the binary's own --help, the docs.
find_program(HELP2MAN help2man)
find_program(GZIP gzip REQUIRED)
set(STAFFELN_DOC_DIR ${PROJECT_BINARY_DIR}/package-docs)
add_custom_command(
  OUTPUT ${STAFFELN_DOC_DIR}/staffeln.1.gz ${STAFFELN_DOC_DIR}/README.md.gz ${STAFFELN_DOC_DIR}/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${STAFFELN_DOC_DIR}
  COMMAND ${HELP2MAN} --no-info --name "automated Cinder backups for OpenStack clouds"
          --version-string ${PROJECT_VERSION} --output ${STAFFELN_DOC_DIR}/staffeln.1 $<TARGET_FILE:staffeln>
  COMMAND ${GZIP} -9nf ${STAFFELN_DOC_DIR}/staffeln.1
  COMMAND ${CMAKE_COMMAND} -E create_symlink staffeln.1.gz ${STAFFELN_DOC_DIR}/staffeln-conductor.1.gz
  COMMAND ${CMAKE_COMMAND} -E create_symlink staffeln.1.gz ${STAFFELN_DOC_DIR}/staffeln-api.1.gz
  COMMAND ${CMAKE_COMMAND} -E create_symlink staffeln.1.gz ${STAFFELN_DOC_DIR}/staffeln-db-manage.1.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/README.md ${STAFFELN_DOC_DIR}/README.md
  COMMAND ${GZIP} -9nf ${STAFFELN_DOC_DIR}/README.md
  COMMAND ${CMAKE_COMMAND} -E copy ${STAFFELN_PACKAGING}/debian/changelog ${STAFFELN_DOC_DIR}/changelog
  COMMAND ${GZIP} -9nf ${STAFFELN_DOC_DIR}/changelog
  DEPENDS staffeln ${PROJECT_SOURCE_DIR}/README.md ${STAFFELN_PACKAGING}/debian/changelog
  VERBATIM)
add_custom_target(staffeln_package_docs DEPENDS ${STAFFELN_DOC_DIR}/staffeln.1.gz)
install(FILES ${STAFFELN_DOC_DIR}/staffeln.1.gz ${STAFFELN_DOC_DIR}/staffeln-conductor.1.gz
              ${STAFFELN_DOC_DIR}/staffeln-api.1.gz ${STAFFELN_DOC_DIR}/staffeln-db-manage.1.gz
        DESTINATION share/man/man1 COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${STAFFELN_DOC_DIR}/README.md.gz ${STAFFELN_DOC_DIR}/changelog.gz DESTINATION share/doc/staffeln
        COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME staffeln)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "staffeln maintainers <maintainers@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "automated Cinder backups for OpenStack clouds")
# The synopsis is the summary above; these lines are the extended description.
set(CPACK_PACKAGE_DESCRIPTION
    "Backs up the volumes of tagged Nova servers on a schedule, full and
incremental, deletes expired automated backups without breaking chains,
and answers Cinder's oslo.policy check so that users cannot delete them.
A drop-in for VEXXHOST's Staffeln configuration and API.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps: the units' ExecReload is /bin/kill, which a minimal Debian lacks (systemd-analyze verify
# fails on the units there without it).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, tzdata, procps")
set(CPACK_STRIP_FILES ON)
# The system files (component deb) are left out of a plain `cmake --install`, which must not
# write /etc; the package takes both components into one .deb.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified deb)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${STAFFELN_PACKAGING}/debian/conffiles ${STAFFELN_PACKAGING}/debian/postinst
    ${STAFFELN_PACKAGING}/debian/prerm ${STAFFELN_PACKAGING}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
