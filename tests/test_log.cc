// The log's destination (log::to_file) and its one-line-per-event rule.
#include "staffeln/log.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace staffeln;
using staffeln::testing::TempDir;

TEST_CASE("the log goes to a file created 0600; a file that cannot be opened is an error naming it") {
    TempDir dir;
    auto missing = (dir.path() / "no-such-dir" / "staffeln.log").string();
    auto refused = log::to_file(missing);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::io);
    CHECK(refused.error().message == "cannot open log file " + missing + ": No such file or directory");

    auto path = (dir.path() / "staffeln.log").string();
    REQUIRE(log::to_file(path));
    log::info("test", "one event\nnot a second line");
    REQUIRE(log::to_file("/dev/stderr"));  // back to where the other tests log
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream in(path);
    std::stringstream read;
    read << in.rdbuf();
    const std::string text = read.str();
    CHECK(text.find("INFO test: one event\\nnot a second line\n") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
}
