#include "staffeln/log_format.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace staffeln::log {
namespace {

// oslo.log's log_date_format default, "%Y-%m-%d %H:%M:%S".
std::string asctime(const std::tm& local) {
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
    return buf;
}

int python_level(Level level) {
    switch (level) {
        case Level::debug:
            return 10;
        case Level::info:
            return 20;
        case Level::warning:
            return 30;
        case Level::error:
            return 40;
    }
    return 0;
}

}  // namespace

std::string_view level_name(Level level) {
    switch (level) {
        case Level::debug:
            return "DEBUG";
        case Level::info:
            return "INFO";
        case Level::warning:
            return "WARNING";
        case Level::error:
            return "ERROR";
    }
    return "?";
}

int syslog_priority(Level level) {
    switch (level) {
        case Level::debug:
            return 7;
        case Level::info:
            return 6;
        case Level::warning:
            return 4;
        case Level::error:
            return 3;
    }
    return 7;
}

std::string logger_name(std::string_view component) { return fmt::format("staffeln.{}", component); }

// "[-]" stands where oslo.log puts a request context; staffeln's events have none.
std::string oslo_line(const Record& record) {
    return fmt::format("{}.{:03d} {} {} {} [-] {}", asctime(record.local), record.millis, record.process,
                       level_name(record.level), logger_name(record.component), record.message);
}

// The keys oslo.log's JSONFormatter writes that staffeln has values for; msg is the message
// itself (fmt formats before the record exists) and args is empty accordingly.
std::string json_line(const Record& record) {
    nlohmann::ordered_json line = {
        {"message", record.message},
        {"asctime", asctime(record.local)},
        {"name", logger_name(record.component)},
        {"msg", record.message},
        {"args", nlohmann::json::array()},
        {"levelname", level_name(record.level)},
        {"levelno", python_level(record.level)},
        {"created", record.created},
        {"msecs", record.millis},
        {"thread", record.thread},
        {"process", record.process},
        {"traceback", nullptr},
        {"hostname", record.hostname},
        {"error_summary", ""},
        {"context", nlohmann::json::object()},
        {"extra", nlohmann::json::object()},
    };
    return line.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace staffeln::log
