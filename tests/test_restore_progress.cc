// core/restore_progress.h: the plain line per change and the terminal's block.
#include "staffeln/core/restore_progress.h"

#include <doctest/doctest.h>

using namespace staffeln::core;
using std::chrono::seconds;

TEST_CASE("a plain progress line names the volume, its server, the state, Cinder's status and the time") {
    ProgressRow row{"web-1 (s-1)", "web-1-data (v-1)", "restoring", "restoring-backup", seconds(12)};
    CHECK(progress_line(row) ==
          "volume web-1-data (v-1) of server web-1 (s-1): restoring (restoring-backup) after 12 s");
    row.cinder = "";
    row.state = "pending";
    row.elapsed = seconds(0);
    CHECK(progress_line(row) == "volume web-1-data (v-1) of server web-1 (s-1): pending after 0 s");
    row.state = "done";
    row.cinder = "done";  // the same word is not repeated
    CHECK(progress_line(row) == "volume web-1-data (v-1) of server web-1 (s-1): done after 0 s");
}

TEST_CASE("the terminal's block counts the volumes ended and aligns a line per volume") {
    std::vector<ProgressRow> rows{
        {"web-1", "web-1-root", "done", "available", seconds(3)},
        {"web-1", "web-1-data-long", "restoring", "restoring-backup", seconds(5)},
        {"db-1", "db-1-root", "failed", "error_restoring", seconds(4)},
        {"db-1", "db-1-log", "pending", "", seconds(0)},
    };
    auto block = progress_block(rows, seconds(6));
    REQUIRE(block.size() == 5);
    CHECK(block[0] == "restoring: 2 of 4 volumes ended, 6 s");
    CHECK(block[1] == "  web-1  web-1-root       done       available             3 s");
    CHECK(block[2] == "  web-1  web-1-data-long  restoring  restoring-backup      5 s");
    CHECK(block[3] == "  db-1   db-1-root        failed     error_restoring       4 s");
    CHECK(block[4] == "  db-1   db-1-log         pending    -                     0 s");
    CHECK(progress_block({}, seconds(0)) == std::vector<std::string>{"restoring: 0 of 0 volumes ended, 0 s"});
}
