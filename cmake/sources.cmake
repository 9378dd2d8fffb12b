# The library's sources, one concept per file. Listed, not globbed, so a new file is a
# visible change to the build.
set(STAFFELN_SOURCES
  src/result.cc
  src/log.cc
  src/cli/cli.cc
  src/cli/cmd_config.cc
  src/cli/cmd_db_manage.cc
  src/cli/cmd_stubs.cc
  src/cli/cmd_report.cc
  src/duration.cc
  src/config/ini_file.cc
  src/config/options.cc
  src/config/database_url.cc
  src/config/config.cc
  src/store/database.cc
  src/store/migrations.cc
  src/report/quota.cc
  src/report/digest.cc
  src/report/recipients.cc
  src/report/schedule.cc
  src/report/templates.cc
  src/report/render.cc
  src/report/mime.cc
  src/report/smtp.cc
  src/report/report_store.cc
  src/report/reporter.cc
)
