# The library's sources, one concept per file. Listed, not globbed, so a new file is a
# visible change to the build.
set(STAFFELN_SOURCES
  src/result.cc
  src/log.cc
  src/cli.cc
  src/duration.cc
)
