// The log's destination (log::to_file) and its one-line-per-event rule.
#include "staffeln/log.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace staffeln;
using staffeln::testing::TempDir;

TEST_CASE("the log goes to a file created 0600, and a file that cannot be opened is an error naming it") {
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

TEST_CASE("a FIFO as the log file is refused at once when nobody reads it, and written when somebody does") {
    TempDir dir;
    auto fifo = (dir.path() / "log.fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto refused = log::to_file(fifo);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message == "cannot open log file " + fifo + ": no process reads this FIFO");

    // A reader, as when the log goes to /dev/stdout and standard output is a pipe.
    int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(reader >= 0);
    REQUIRE(log::to_file(fifo));
    log::info("test", "through the pipe");
    REQUIRE(log::to_file("/dev/stderr"));
    char buffer[256] = {};
    auto n = ::read(reader, buffer, sizeof buffer - 1);
    ::close(reader);
    REQUIRE(n > 0);
    CHECK(std::string(buffer, static_cast<std::size_t>(n)).ends_with("INFO test: through the pipe\n"));
}
