# The library's sources, one concept per file. Listed, not globbed, so a new file is a
# visible change to the build.
set(STAFFELN_SOURCES
  src/result.cc
  src/log.cc
  src/cli.cc
  src/duration.cc
  src/core/task.cc
  src/core/server_selection.cc
  src/core/backup_tag.cc
  src/core/backup_name.cc
  src/core/backup_chain.cc
  src/core/backup_kind.cc
  src/core/backup_planner.cc
  src/core/retention_planner.cc
  src/core/report_model.cc
)
