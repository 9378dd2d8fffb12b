# The library's sources, one concept per file. Listed, not globbed, so a new file is a
# visible change to the build.
set(STAFFELN_SOURCES
  src/result.cc
  src/log.cc
  src/cli/cli.cc
  src/cli/cmd_config.cc
  src/cli/cmd_db_manage.cc
  src/cli/cmd_stubs.cc
  src/duration.cc
  src/config/ini_file.cc
  src/config/options.cc
  src/config/database_url.cc
  src/config/config.cc
  src/store/database.cc
  src/store/migrations.cc
  src/store/automated_backups.cc
  src/api/policy_answer.cc
  src/api/connection.cc
  src/api/worker_pool.cc
  src/api/store_watch.cc
  src/api/request_framing.cc
  src/api/event_loop.cc
  src/api/tls_context.cc
  src/api/server.cc
  src/cli/cmd_api.cc
)
