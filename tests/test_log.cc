// The log: oslo.log's line and JSON formats (kolla's fluentd pattern reads the line), the
// destinations oslo.log's options choose, the file created 0600 and opened again after a move,
// and the one-line-per-event rule.
#include "staffeln/log.h"
#include "support/oslo_log_pattern.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace staffeln;
using staffeln::testing::kolla_fields;
using staffeln::testing::TempDir;

namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream read;
    read << in.rdbuf();
    return read.str();
}

log::Record sample(std::string_view message) {
    log::Record record;
    record.local.tm_year = 2026 - 1900;
    record.local.tm_mon = 11;
    record.local.tm_mday = 4;
    record.local.tm_hour = 13;
    record.local.tm_min = 47;
    record.local.tm_sec = 16;
    record.millis = 31;
    record.created = 1796392036.031;
    record.process = 12345;
    record.thread = 12346;
    record.level = log::Level::warning;
    record.component = "conductor";
    record.message = message;
    record.hostname = "node-1";
    return record;
}

// Standard error pointed at a file while a test case writes, so that what goes there can be read.
class CapturedStderr {
public:
    explicit CapturedStderr(const std::filesystem::path& file) : saved_(::dup(STDERR_FILENO)) {
        int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
    ~CapturedStderr() {
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
    }
    CapturedStderr(const CapturedStderr&) = delete;
    CapturedStderr& operator=(const CapturedStderr&) = delete;

private:
    int saved_;
};

}  // namespace

TEST_CASE("oslo.log's default line: local time with milliseconds, pid, level, logger, [-], the message") {
    CHECK(log::oslo_line(sample("backup cycle finished")) ==
          "2026-12-04 13:47:16.031 12345 WARNING staffeln.conductor [-] backup cycle finished");
    auto fields = kolla_fields(log::oslo_line(sample("backup cycle finished")));
    REQUIRE(fields);
    CHECK((*fields)["Timestamp"] == "2026-12-04 13:47:16.031");
    CHECK((*fields)["Pid"] == "12345");
    CHECK((*fields)["log_level"] == "WARNING");
    CHECK((*fields)["python_module"] == "staffeln.conductor");
    CHECK((*fields)["Payload"] == "[-] backup cycle finished");
    CHECK_FALSE(fields->contains("request_id"));
    // The pattern is no rubber stamp: staffeln's former line does not pass it.
    CHECK_FALSE(kolla_fields("2026-11-22T04:22:40.123Z INFO conductor: message"));
}

TEST_CASE("every level has oslo.log's name and syslog priority") {
    struct Row {
        log::Level level;
        std::string_view name;
        int priority;
    };
    for (auto row : {Row{log::Level::debug, "DEBUG", 7}, Row{log::Level::info, "INFO", 6},
                     Row{log::Level::warning, "WARNING", 4}, Row{log::Level::error, "ERROR", 3}}) {
        CHECK(log::level_name(row.level) == row.name);
        CHECK(log::syslog_priority(row.level) == row.priority);
        auto record = sample("x");
        record.level = row.level;
        auto fields = kolla_fields(log::oslo_line(record));
        REQUIRE(fields);
        CHECK((*fields)["log_level"] == row.name);
    }
}

TEST_CASE("use_json: one JSON object with oslo.log's JSONFormatter keys, printable ASCII on one line") {
    auto text = log::json_line(sample("server caf\xc3\xa9 \\n escaped"));
    CHECK(text.find('\n') == std::string::npos);
    CHECK(std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; }));
    auto json = nlohmann::json::parse(text);
    CHECK(json["message"] == "server caf\xc3\xa9 \\n escaped");
    CHECK(json["msg"] == json["message"]);
    CHECK(json["args"] == nlohmann::json::array());
    CHECK(json["asctime"] == "2026-12-04 13:47:16");
    CHECK(json["name"] == "staffeln.conductor");
    CHECK(json["levelname"] == "WARNING");
    CHECK(json["levelno"] == 30);
    CHECK(json["created"] == doctest::Approx(1796392036.031));
    CHECK(json["msecs"] == 31);
    CHECK(json["process"] == 12345);
    CHECK(json["thread"] == 12346);
    CHECK(json["hostname"] == "node-1");
    CHECK(json["traceback"].is_null());
    CHECK(json["context"] == nlohmann::json::object());
}

TEST_CASE("the log goes to a file created 0600, and a file that cannot be opened is an error naming it") {
    TempDir dir;
    auto missing = (dir.path() / "no-such-dir" / "staffeln.log").string();
    auto refused = log::configure({.file = missing});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::io);
    CHECK(refused.error().message == "cannot open log file " + missing + ": No such file or directory");

    auto path = (dir.path() / "staffeln.log").string();
    REQUIRE(log::configure({.file = path}));
    log::info("test", "one event\n2026-11-22 04:22:40.123 1 ERROR staffeln.forged [-] not a second line");
    REQUIRE(log::configure({}));  // back to stderr, where the other tests log
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string text = read_all(path);
    CHECK(text.find(" INFO staffeln.test [-] one event\\n2026-11-22 04:22:40.123 1 ERROR staffeln.forged [-] not a "
                    "second line\n") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    auto fields = kolla_fields(text.substr(0, text.size() - 1));
    REQUIRE(fields);
    CHECK((*fields)["Pid"] == std::to_string(::getpid()));
}

TEST_CASE("destinations as oslo.log chooses them: a file, else stderr, use_stderr adds it, the journal replaces it") {
    TempDir dir;
    auto file = dir.path() / "staffeln.log";
    auto err = dir.path() / "stderr";
    {
        CapturedStderr captured(err);
        REQUIRE(log::configure({}));
        log::info("test", "to stderr alone");
        REQUIRE(log::configure({.file = file.string()}));
        log::info("test", "to the file alone");
        REQUIRE(log::configure({.file = file.string(), .use_stderr = true}));
        log::info("test", "to both");
        // No journal here or a journal: either way nothing goes to stderr without use_stderr.
        REQUIRE(log::configure({.file = "", .use_journal = true}));
        log::info("test", "to the journal alone");
        REQUIRE(log::configure({.file = file.string(), .use_json = true}));
        log::info("test", "as JSON");
        REQUIRE(log::configure({}));
    }
    auto in_file = read_all(file);
    auto on_stderr = read_all(err);
    CHECK(on_stderr.find("to stderr alone") != std::string::npos);
    CHECK(on_stderr.find("to the file alone") == std::string::npos);
    CHECK(on_stderr.find("to both") != std::string::npos);
    CHECK(on_stderr.find("to the journal alone") == std::string::npos);
    CHECK(in_file.find("to stderr alone") == std::string::npos);
    CHECK(in_file.find("to the file alone") != std::string::npos);
    CHECK(in_file.find("to both") != std::string::npos);
    CHECK(in_file.find("to the journal alone") == std::string::npos);
    auto last = in_file.substr(in_file.rfind('\n', in_file.size() - 2) + 1);
    CHECK(nlohmann::json::parse(last)["message"] == "as JSON");
}

TEST_CASE("reopen: after the file was moved away, new lines go to a new file by its name") {
    TempDir dir;
    auto path = dir.path() / "staffeln.log";
    auto moved = dir.path() / "staffeln.log.1";
    REQUIRE(log::configure({.file = path.string()}));
    log::info("test", "before the move");
    std::filesystem::rename(path, moved);
    log::info("test", "after the move, before reopen");
    REQUIRE(log::reopen());
    log::info("test", "after reopen");
    REQUIRE(log::configure({}));
    auto old_text = read_all(moved);
    auto new_text = read_all(path);
    CHECK(old_text.find("before the move") != std::string::npos);
    CHECK(old_text.find("after the move, before reopen") != std::string::npos);
    CHECK(old_text.find("after reopen") == std::string::npos);
    CHECK(new_text.find("after reopen") != std::string::npos);
    CHECK(std::count(new_text.begin(), new_text.end(), '\n') == 1);
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
    REQUIRE(log::configure({.file = fifo}));
    log::info("test", "through the pipe");
    REQUIRE(log::configure({}));
    char buffer[256] = {};
    auto n = ::read(reader, buffer, sizeof buffer - 1);
    ::close(reader);
    REQUIRE(n > 0);
    CHECK(std::string(buffer, static_cast<std::size_t>(n)).ends_with(" INFO staffeln.test [-] through the pipe\n"));
}
