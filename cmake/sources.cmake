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
  src/store/task_store.cc
  src/store/backup_index.cc
  src/coordination/coordinator.cc
  src/coordination/file_locks.cc
  src/core/task.cc
  src/core/server_selection.cc
  src/core/backup_tag.cc
  src/core/backup_name.cc
  src/core/backup_chain.cc
  src/core/backup_kind.cc
  src/core/backup_planner.cc
)
