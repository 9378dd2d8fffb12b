// core/restore_progress.h: the plain line per change and the terminal's block.
#include "staffeln/core/restore_progress.h"

#include <doctest/doctest.h>

using namespace staffeln::core;
using std::chrono::seconds;

namespace {

ProgressRow row(std::string server, std::string volume, std::string state, std::string cinder, long elapsed) {
    return {"s-" + server, server, "v-" + volume, volume, std::move(state), std::move(cinder), seconds(elapsed)};
}

}  // namespace

TEST_CASE("a plain progress line names the volume, its server, the state, Cinder's status and the time") {
    ProgressRow r = row("web-1", "web-1-data", "restoring", "restoring-backup", 12);
    CHECK(progress_line(r) ==
          "volume web-1-data (v-web-1-data) of server web-1 (s-web-1): restoring (restoring-backup) after 12 s");
    r = row("", "", "pending", "", 0);
    CHECK(progress_line(r) == "volume v- of server s-: pending after 0 s");  // no names: the ids
    r = row("web-1", "web-1-data", "done", "done", 3);
    CHECK(progress_line(r) == "volume web-1-data (v-web-1-data) of server web-1 (s-web-1): done after 3 s");
}

TEST_CASE("the terminal's block counts the volumes ended and aligns a line per volume, by name") {
    std::vector<ProgressRow> rows{
        row("web-1", "web-1-root", "done", "available", 3),
        row("web-1", "web-1-data-long", "restoring", "restoring-backup", 5),
        row("db-1", "db-1-root", "failed", "error_restoring", 4),
        row("db-1", "", "pending", "", 0),
    };
    auto block = progress_block(rows, seconds(6));
    REQUIRE(block.size() == 5);
    CHECK(block[0] == "restoring: 2 of 4 volumes ended, 6 s");
    CHECK(block[1] == "  web-1  web-1-root       done       available             3 s");
    CHECK(block[2] == "  web-1  web-1-data-long  restoring  restoring-backup      5 s");
    CHECK(block[3] == "  db-1   db-1-root        failed     error_restoring       4 s");
    CHECK(block[4] == "  db-1   v-               pending    -                     0 s");
    CHECK(progress_block({}, seconds(0)) == std::vector<std::string>{"restoring: 0 of 0 volumes ended, 0 s"});
}

TEST_CASE("past max_rows the block shows the unfinished volumes first and keeps its height") {
    std::vector<ProgressRow> rows;
    for (int i = 0; i < 5; ++i) rows.push_back(row("s", "v" + std::to_string(i), i < 3 ? "done" : "restoring", "", i));
    auto block = progress_block(rows, seconds(9), 3);
    REQUIRE(block.size() == 5);  // header, 3 volumes, the rest counted
    CHECK(block[0] == "restoring: 3 of 5 volumes ended, 9 s");
    CHECK(block[1].starts_with("  s  v3  restoring"));
    CHECK(block[2].starts_with("  s  v4  restoring"));
    CHECK(block[3].starts_with("  s  v0  done"));
    CHECK(block[4] == "  ... and 2 more");
    for (auto& r : rows) r.state = "done";
    CHECK(progress_block(rows, seconds(9), 3).size() == 5);
}
