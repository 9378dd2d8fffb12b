// oslo.log's [DEFAULT] options as the logger's settings: the file (log_dir applied already by
// load_config), use_stderr, use_journal, use_json, use_syslog and syslog_log_facility, whose
// names oslo.log accepts in any case with or without "LOG_".
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/log.h"

#include <optional>
#include <string>
#include <string_view>

namespace staffeln::config {

// The facility's number (LOG_USER 1, LOG_DAEMON 3, LOG_LOCAL0 16), or nothing for an unknown name.
std::optional<int> syslog_facility_number(std::string_view name);

// program: the name run as, the journal's SYSLOG_IDENTIFIER and syslog's ident.
log::Settings log_settings(const Config& config, const std::string& program);

}  // namespace staffeln::config
