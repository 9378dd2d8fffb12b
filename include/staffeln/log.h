// One event a line, in oslo.log's format (log_format.h), to the destinations oslo.log's
// [DEFAULT] options name: a file, stderr, the journal (native fields and priorities), syslog.
// Thread-safe. Callers never pass secrets: use log::redact. Control characters in a message are
// escaped (text_safety.h): a message never spans lines, in any destination.
#pragma once

#include "staffeln/log_format.h"
#include "staffeln/result.h"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace staffeln::log {

// oslo.log's destinations and format; with neither a file nor the journal, lines go to stderr
// (oslo.log's last resort is stdout, which is staffeln's commands' output: a report, an export).
struct Settings {
    std::string file;                  // appended to, created 0600; "" for none
    bool use_stderr = false;           // stderr as well as the file or the journal
    bool use_journal = false;          // journald's native protocol (sd_journal_send)
    bool use_syslog = false;           // syslog(3) as well
    bool use_json = false;             // json_line instead of oslo_line, in every destination
    int syslog_facility = 1;           // the facility's number (user = 1, local0 = 16): journal and syslog
    std::string program = "staffeln";  // the journal's SYSLOG_IDENTIFIER, syslog's ident
};

void set_level(Level level);
bool enabled(Level level);
// Applies settings. A file that cannot be opened is an error saying why; the other settings
// still apply, with the file that was open before (none at start).
Status configure(const Settings& settings);
// Appends to path (created 0600) from now on. When it cannot open it, says why and keeps the current file.
Status to_file(const std::string& path);
// Opens the file again by its name: after logrotate moved it, new lines go to a new file (SIGHUP).
Status reopen();
void write(Level level, std::string_view component, std::string_view message);

// Replaces a secret with a fixed mask so that its length does not leak either.
std::string redact(std::string_view secret);

template <class... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::debug)) write(Level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::info)) write(Level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::warning, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::error, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace staffeln::log
