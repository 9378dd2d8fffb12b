// The text of one log event, as oslo.log writes it, so that OpenStack's log pipelines read
// staffeln's lines as they read Nova's: the default line
//   "2026-12-04 13:47:16.231 12345 INFO staffeln.conductor [-] message"
// (oslo.log's logging_default_format_string, local time) or, with [DEFAULT] use_json, one JSON
// object with oslo.log's JSONFormatter keys. Pure: the caller supplies the time and the process.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace staffeln::log {

enum class Level { debug, info, warning, error };

struct Record {
    std::tm local{};     // the event's local time (oslo.log's asctime), from localtime_r
    int millis = 0;      // 0-999
    double created = 0;  // seconds since the epoch, with the milliseconds
    long process = 0;    // the process id
    long thread = 0;     // the kernel's thread id
    Level level = Level::info;
    std::string_view component;  // "conductor": the logger is "staffeln.conductor"
    std::string_view message;    // already escaped (text_safety.h): one line
    std::string_view hostname;
};

std::string_view level_name(Level level);             // DEBUG, INFO, WARNING, ERROR as oslo.log names them
int syslog_priority(Level level);                     // debug 7, info 6, warning 4, error 3 (oslo.log's SYSLOG_MAP)
std::string logger_name(std::string_view component);  // "staffeln." + component

std::string oslo_line(const Record& record);  // without the newline
std::string json_line(const Record& record);  // one line, printable ASCII, without the newline

}  // namespace staffeln::log
