#include "staffeln/config/options.h"

#include "staffeln/config/database_url.h"
#include "staffeln/database_scheme.h"
#include "staffeln/config/ini_file.h"
#include "staffeln/config/listen_address.h"
#include "staffeln/core/calendar_bucket.h"
#include "staffeln/core/retention_rules.h"
#include "staffeln/coordination/backend_url.h"
#include "staffeln/core/backup_mode.h"
#include "staffeln/duration.h"
#include "staffeln/email_address.h"

#include <array>

namespace staffeln::config {
namespace {

constexpr std::string_view kSqlOnly = "staffeln's store is an embedded SQLite file";

// Upper bounds keep every time sum in range (a period added to a clock's nanosecond count
// overflows past 292 years) and are far beyond any sensible setting.
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMaxPeriod = 365 * kDay;

std::string check_status_codes(const std::string& value) {
    std::size_t start = 0;
    while (start <= value.size()) {
        auto end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        auto code = value.substr(start, end - start);
        code.erase(0, code.find_first_not_of(" \t"));
        code.erase(code.find_last_not_of(" \t") + 1);
        bool digits = code.size() == 3 && code.find_first_not_of("0123456789") == std::string::npos;
        if (!code.empty() && (!digits || code < "100" || code > "599"))
            return "expected a comma-separated list of HTTP status codes (100-599), got '" + code + "'";
        start = end + 1;
    }
    return {};
}

std::string check_database_url(const std::string& value) {
    if (value.empty() || is_mysql_url(value)) return {};
    auto path = database_path_from_url(value);
    return path.ok() ? std::string{} : path.error().message;
}

// staffeln's own [database] sqlite_connection: where the store is when connection is upstream's MySQL.
std::string check_sqlite_url(const std::string& value) {
    if (value.empty()) return {};
    if (is_mysql_url(value)) return "expected sqlite:////absolute/path (the store is SQLite; MySQL goes in connection)";
    auto path = database_path_from_url(value);
    return path.ok() ? std::string{} : path.error().message;
}

std::string check_backend_url(const std::string& value) { return coordination::backend_url_problem(value); }

std::string check_backup_mode(const std::string& value) {
    if (core::parse_backup_mode(value)) return {};
    return "expected volume or snapshot";
}

// What is_plain_address accepts, said once for both address options.
constexpr std::string_view kNotAnAddress =
    "not an e-mail address (expected local@domain, printable ASCII without spaces, quotes or brackets, "
    "a local part of at most 64 characters and 254 in all)";

std::string check_sender_email(const std::string& value) {
    if (value.empty() || is_plain_address(value)) return {};
    return std::string(kNotAnAddress);
}

std::string check_receivers(const std::string& value) {
    for (const auto& address : parse_list(value))
        if (!is_plain_address(address)) return "'" + address + "' is " + std::string(kNotAnAddress);
    return {};
}

// Reports go to PROJECT@domain: the domain is checked with a stand-in for the project's name.
std::string check_mail_domain(const std::string& value) {
    if (value.empty() || (value.find('@') == std::string::npos && is_plain_address("project@" + value))) return {};
    return "not a mail domain (expected e.g. example.org: printable ASCII without '@', spaces, quotes or brackets)";
}

std::string check_absolute_dir(const std::string& value) {
    if (value.empty() || value.front() == '/') return {};
    return "expected an absolute path (the conductor does not run from a fixed directory)";
}

std::string check_retention_policy(const std::string& value) {
    if (value.empty()) return {};
    auto rules = core::parse_retention_rules(value);
    return rules.ok() ? std::string{} : rules.error().message;
}

std::string check_listen_address(const std::string& value) {
    if (value.empty()) return {};
    auto address = parse_listen_address(value);
    return address.ok() ? std::string{} : address.error().message;
}

// include_projects, exclude_projects: a comma list whose every item names a project.
std::string check_project_list(const std::string& value) {
    if (value.find_first_not_of(" \t\n") == std::string::npos) return {};
    std::size_t start = 0, item = 1;
    for (;; ++item) {
        auto end = value.find(',', start);
        auto text = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (text.find_first_not_of(" \t\n\"'") == std::string::npos)
            return "item " + std::to_string(item) + " is empty (expected project ids or names separated by commas)";
        if (end == std::string::npos) return {};
        start = end + 1;
    }
}

std::string check_timezone(const std::string& value) {
    auto offset = core::parse_utc_offset(value);
    return offset.ok() ? std::string{} : offset.error().message;
}

#define FIELD(type, path) +[](Config& c) -> type& { return c.path; }

const std::array kOptions{
    Option{"DEFAULT", "debug", FIELD(bool, defaults.debug)},
    Option{"DEFAULT", "log_file", FIELD(std::string, defaults.log_file)},
    Option{"DEFAULT", "log_dir", FIELD(std::string, defaults.log_dir)},
    Option{"DEFAULT", "state_path", FIELD(std::string, defaults.state_path)},

    Option{"conductor", "backup_workers", FIELD(std::int64_t, conductor.backup_workers), 1, 1000},
    Option{"conductor", "rotation_workers", FIELD(std::int64_t, conductor.rotation_workers), 1, 1000},
    Option{"conductor", "backup_service_period", FIELD(std::int64_t, conductor.backup_service_period), 60, kMaxPeriod},
    Option{"conductor", "backup_min_interval", FIELD(std::int64_t, conductor.backup_min_interval), 0, kMaxPeriod},
    Option{"conductor", "report_period", FIELD(std::int64_t, conductor.report_period), 600, kMaxPeriod},
    // Upstream spells it "timout"; the corrected spelling is accepted too.
    Option{"conductor",
           "backup_cycle_timout",
           FIELD(std::chrono::seconds, conductor.backup_cycle_timeout),
           {},
           kMaxPeriod},
    Option{"conductor",
           "backup_cycle_timeout",
           FIELD(std::chrono::seconds, conductor.backup_cycle_timeout),
           {},
           kMaxPeriod},
    Option{"conductor", "backup_metadata_key", FIELD(std::string, conductor.backup_metadata_key)},
    Option{"conductor", "retention_metadata_key", FIELD(std::string, conductor.retention_metadata_key)},
    Option{"conductor", "skip_volume_metadata_key", FIELD(std::string, conductor.skip_volume_metadata_key)},
    Option{"conductor", "last_backup_metadata_key", FIELD(std::string, conductor.last_backup_metadata_key)},
    Option{"conductor", "full_backup_depth", FIELD(std::int64_t, conductor.full_backup_depth), 0, 1000},
    Option{"conductor", "retention_service_period", FIELD(std::int64_t, conductor.retention_service_period), 60,
           kMaxPeriod},
    Option{"conductor", "retention_time", FIELD(CalendarDuration, conductor.retention_time), {}, kMaxRetention.count()},
    Option{"conductor", "retention_safety_floor", FIELD(bool, conductor.retention_safety_floor)},
    Option{"conductor",
           "retention_policy",
           FIELD(std::string, conductor.retention_policy),
           {},
           {},
           Secrecy::none,
           {},
           check_retention_policy},
    Option{"conductor", "retention_policy_metadata_key", FIELD(std::string, conductor.retention_policy_metadata_key)},
    Option{"conductor", "timezone", FIELD(std::string, conductor.timezone), {}, {}, Secrecy::none, {}, check_timezone},
    Option{"conductor", "backup_poll_interval", FIELD(std::int64_t, conductor.backup_poll_interval), 1, 600},
    Option{"conductor",
           "backup_mode",
           FIELD(std::string, conductor.backup_mode),
           {},
           {},
           Secrecy::none,
           {},
           check_backup_mode},
    Option{"conductor", "backup_mode_metadata_key", FIELD(std::string, conductor.backup_mode_metadata_key)},
    Option{"conductor",
           "metrics_listen",
           FIELD(std::string, conductor.metrics_listen),
           {},
           {},
           Secrecy::none,
           {},
           check_listen_address},
    Option{"conductor",
           "include_projects",
           FIELD(std::vector<std::string>, conductor.include_projects),
           {},
           {},
           Secrecy::none,
           {},
           check_project_list},
    Option{"conductor",
           "exclude_projects",
           FIELD(std::vector<std::string>, conductor.exclude_projects),
           {},
           {},
           Secrecy::none,
           {},
           check_project_list},

    Option{"openstack", "retry_timeout", FIELD(std::int64_t, openstack.retry_timeout), 1, kDay},
    Option{"openstack", "max_retry_interval", FIELD(std::int64_t, openstack.max_retry_interval), 0, 3600},
    Option{"openstack",
           "skip_retry_codes",
           FIELD(std::vector<std::string>, openstack.skip_retry_codes),
           {},
           {},
           Secrecy::none,
           {},
           check_status_codes},

    Option{"coordination",
           "backend_url",
           FIELD(std::string, coordination.backend_url),
           {},
           {},
           Secrecy::url_auth,
           {},
           check_backend_url},

    Option{"api", "host", FIELD(std::string, api.host)},
    Option{"api", "port", FIELD(std::int64_t, api.port), 1, 65535},
    Option{"api", "enabled_ssl", FIELD(bool, api.enabled_ssl)},
    Option{"api", "ssl_cert_file", FIELD(std::string, api.ssl_cert_file)},
    Option{"api", "ssl_key_file", FIELD(std::string, api.ssl_key_file)},
    Option{"api", "ca_file", FIELD(std::string, api.ca_file)},

    Option{"notification",
           "receiver",
           FIELD(std::vector<std::string>, notification.receiver),
           {},
           {},
           Secrecy::none,
           {},
           check_receivers},
    Option{"notification",
           "project_receiver_domain",
           FIELD(std::string, notification.project_receiver_domain),
           {},
           {},
           Secrecy::none,
           {},
           check_mail_domain},
    Option{"notification",
           "sender_email",
           FIELD(std::string, notification.sender_email),
           {},
           {},
           Secrecy::none,
           {},
           check_sender_email},
    Option{"notification", "sender_pwd", FIELD(std::string, notification.sender_pwd), {}, {}, Secrecy::whole},
    Option{"notification", "smtp_server_domain", FIELD(std::string, notification.smtp_server_domain)},
    Option{"notification", "smtp_server_port", FIELD(std::int64_t, notification.smtp_server_port), 1, 65535},
    Option{"notification", "template_file", FIELD(std::string, notification.template_file)},
    Option{"notification", "smtp_ca_file", FIELD(std::string, notification.smtp_ca_file)},

    Option{"database",
           "connection",
           FIELD(std::string, database.connection),
           {},
           {},
           Secrecy::url_auth,
           {},
           check_database_url},
    Option{"database",
           "sqlite_connection",
           FIELD(std::string, database.sqlite_connection),
           {},
           {},
           Secrecy::none,
           {},
           check_sqlite_url},
    Option{"database", "backend", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "tooz_connection", Ignored{}, {}, {}, Secrecy::url_auth, kSqlOnly},
    Option{"database", "mysql_engine", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "mysql_sql_mode", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "idle_timeout", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "min_pool_size", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "max_pool_size", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "max_retries", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},
    Option{"database", "retry_interval", Ignored{}, {}, {}, Secrecy::none, kSqlOnly},

    Option{"dr", "export_dir", FIELD(std::string, dr.export_dir), {}, {}, Secrecy::none, {}, check_absolute_dir},
};

#undef FIELD

}  // namespace

std::span<const Option> options() { return kOptions; }

const Option* find_option(std::string_view section, std::string_view name) {
    for (const auto& option : kOptions)
        if (option.section == section && option.name == name) return &option;
    return nullptr;
}

bool is_known_section(std::string_view section) {
    for (const auto& option : kOptions)
        if (option.section == section) return true;
    return false;
}

}  // namespace staffeln::config
