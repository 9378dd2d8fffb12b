# The library's sources, one concept per file. Listed, not globbed, so a new file is a
# visible change to the build.
set(STAFFELN_SOURCES
  src/result.cc
  src/log.cc
  src/cli.cc
  src/duration.cc
  src/openstack/http_transport.cc
  src/openstack/http_error.cc
  src/openstack/retry.cc
  src/openstack/credentials.cc
  src/openstack/cloud_settings.cc
  src/openstack/clouds_yaml.cc
  src/openstack/iso_time.cc
  src/openstack/json_fields.cc
  src/openstack/catalog.cc
  src/openstack/identity.cc
  src/openstack/microversion.cc
  src/openstack/session.cc
  src/openstack/query.cc
  src/openstack/keystone.cc
  src/openstack/nova.cc
  src/openstack/cinder.cc
  src/openstack/cloud.cc
)
