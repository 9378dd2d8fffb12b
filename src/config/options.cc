#include "staffeln/config/options.h"

#include "staffeln/config/database_url.h"
#include "staffeln/database_scheme.h"
#include "staffeln/config/ini_file.h"
#include "staffeln/config/listen_address.h"
#include "staffeln/config/time_zone.h"
#include "staffeln/core/backup_window.h"
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
    auto zone = resolve_time_zone(value);
    return zone.ok() ? std::string{} : zone.error().message;
}

std::string check_backup_window(const std::string& value) {
    if (value.empty()) return {};
    auto window = core::parse_backup_window(value);
    return window.ok() ? std::string{} : window.error().message;
}

#define FIELD(type, path) +[](Config& c) -> type& { return c.path; }

const std::array kOptions{
    Option{"DEFAULT", "debug", FIELD(bool, defaults.debug)},
    Option{"DEFAULT", "log_file", FIELD(std::string, defaults.log_file)},
    Option{"DEFAULT", "log_dir", FIELD(std::string, defaults.log_dir)},
    Option{"DEFAULT", "state_path", FIELD(std::string, defaults.state_path)},

    Option{.section = "conductor",
           .name = "backup_workers",
           .target = FIELD(std::int64_t, conductor.backup_workers),
           .min = 1,
           .max = 1000},
    Option{.section = "conductor",
           .name = "rotation_workers",
           .target = FIELD(std::int64_t, conductor.rotation_workers),
           .min = 1,
           .max = 1000},
    Option{.section = "conductor",
           .name = "backup_service_period",
           .target = FIELD(std::int64_t, conductor.backup_service_period),
           .min = 60,
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "backup_min_interval",
           .target = FIELD(std::int64_t, conductor.backup_min_interval),
           .min = 0,
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "report_period",
           .target = FIELD(std::int64_t, conductor.report_period),
           .min = 600,
           .max = kMaxPeriod},
    // Upstream spells it "timout"; the corrected spelling is accepted too.
    Option{.section = "conductor",
           .name = "backup_cycle_timout",
           .target = FIELD(std::chrono::seconds, conductor.backup_cycle_timeout),
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "backup_cycle_timeout",
           .target = FIELD(std::chrono::seconds, conductor.backup_cycle_timeout),
           .max = kMaxPeriod},
    Option{"conductor", "backup_metadata_key", FIELD(std::string, conductor.backup_metadata_key)},
    Option{"conductor", "retention_metadata_key", FIELD(std::string, conductor.retention_metadata_key)},
    Option{"conductor", "skip_volume_metadata_key", FIELD(std::string, conductor.skip_volume_metadata_key)},
    Option{"conductor", "last_backup_metadata_key", FIELD(std::string, conductor.last_backup_metadata_key)},
    Option{.section = "conductor",
           .name = "full_backup_depth",
           .target = FIELD(std::int64_t, conductor.full_backup_depth),
           .min = 0,
           .max = 1000},
    Option{"conductor", "backup_interval_metadata_key", FIELD(std::string, conductor.backup_interval_metadata_key)},
    Option{.section = "conductor",
           .name = "backup_window",
           .target = FIELD(std::string, conductor.backup_window),
           .check = check_backup_window},
    Option{"conductor", "backup_window_metadata_key", FIELD(std::string, conductor.backup_window_metadata_key)},
    Option{"conductor", "full_backup_depth_metadata_key", FIELD(std::string, conductor.full_backup_depth_metadata_key)},
    Option{.section = "conductor",
           .name = "retention_service_period",
           .target = FIELD(std::int64_t, conductor.retention_service_period),
           .min = 60,
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "retention_time",
           .target = FIELD(CalendarDuration, conductor.retention_time),
           .max = kMaxRetention.count()},
    Option{"conductor", "retention_safety_floor", FIELD(bool, conductor.retention_safety_floor)},
    Option{.section = "conductor",
           .name = "retention_policy",
           .target = FIELD(std::string, conductor.retention_policy),
           .check = check_retention_policy},
    Option{"conductor", "retention_policy_metadata_key", FIELD(std::string, conductor.retention_policy_metadata_key)},
    Option{.section = "conductor",
           .name = "timezone",
           .target = FIELD(std::string, conductor.timezone),
           .check = check_timezone},
    Option{.section = "conductor",
           .name = "backup_poll_interval",
           .target = FIELD(std::int64_t, conductor.backup_poll_interval),
           .min = 1,
           .max = 600},
    Option{.section = "conductor",
           .name = "backup_mode",
           .target = FIELD(std::string, conductor.backup_mode),
           .check = check_backup_mode},
    Option{"conductor", "backup_mode_metadata_key", FIELD(std::string, conductor.backup_mode_metadata_key)},
    Option{.section = "conductor",
           .name = "metrics_listen",
           .target = FIELD(std::string, conductor.metrics_listen),
           .check = check_listen_address},
    Option{.section = "conductor",
           .name = "include_projects",
           .target = FIELD(std::vector<std::string>, conductor.include_projects),
           .check = check_project_list},
    Option{.section = "conductor",
           .name = "exclude_projects",
           .target = FIELD(std::vector<std::string>, conductor.exclude_projects),
           .check = check_project_list},

    Option{.section = "openstack",
           .name = "retry_timeout",
           .target = FIELD(std::int64_t, openstack.retry_timeout),
           .min = 1,
           .max = kDay},
    Option{.section = "openstack",
           .name = "max_retry_interval",
           .target = FIELD(std::int64_t, openstack.max_retry_interval),
           .min = 0,
           .max = 3600},
    Option{.section = "openstack",
           .name = "skip_retry_codes",
           .target = FIELD(std::vector<std::string>, openstack.skip_retry_codes),
           .check = check_status_codes},

    Option{.section = "coordination",
           .name = "backend_url",
           .target = FIELD(std::string, coordination.backend_url),
           .secrecy = Secrecy::url_auth,
           .check = check_backend_url},

    Option{"api", "host", FIELD(std::string, api.host)},
    Option{.section = "api", .name = "port", .target = FIELD(std::int64_t, api.port), .min = 1, .max = 65535},
    Option{"api", "enabled_ssl", FIELD(bool, api.enabled_ssl)},
    Option{"api", "ssl_cert_file", FIELD(std::string, api.ssl_cert_file)},
    Option{"api", "ssl_key_file", FIELD(std::string, api.ssl_key_file)},
    Option{"api", "ca_file", FIELD(std::string, api.ca_file)},

    Option{.section = "notification",
           .name = "receiver",
           .target = FIELD(std::vector<std::string>, notification.receiver),
           .check = check_receivers},
    Option{.section = "notification",
           .name = "project_receiver_domain",
           .target = FIELD(std::string, notification.project_receiver_domain),
           .check = check_mail_domain},
    Option{.section = "notification",
           .name = "sender_email",
           .target = FIELD(std::string, notification.sender_email),
           .check = check_sender_email},
    Option{.section = "notification",
           .name = "sender_pwd",
           .target = FIELD(std::string, notification.sender_pwd),
           .secrecy = Secrecy::whole},
    Option{"notification", "smtp_server_domain", FIELD(std::string, notification.smtp_server_domain)},
    Option{.section = "notification",
           .name = "smtp_server_port",
           .target = FIELD(std::int64_t, notification.smtp_server_port),
           .min = 1,
           .max = 65535},
    Option{"notification", "template_file", FIELD(std::string, notification.template_file)},
    Option{"notification", "smtp_ca_file", FIELD(std::string, notification.smtp_ca_file)},

    Option{.section = "database",
           .name = "connection",
           .target = FIELD(std::string, database.connection),
           .secrecy = Secrecy::url_auth,
           .check = check_database_url},
    Option{.section = "database",
           .name = "sqlite_connection",
           .target = FIELD(std::string, database.sqlite_connection),
           .check = check_sqlite_url},
    Option{.section = "database", .name = "backend", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database",
           .name = "tooz_connection",
           .target = Ignored{},
           .secrecy = Secrecy::url_auth,
           .note = kSqlOnly},
    Option{.section = "database", .name = "mysql_engine", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database", .name = "mysql_sql_mode", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database", .name = "idle_timeout", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database", .name = "min_pool_size", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database", .name = "max_pool_size", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database", .name = "max_retries", .target = Ignored{}, .note = kSqlOnly},
    Option{.section = "database", .name = "retry_interval", .target = Ignored{}, .note = kSqlOnly},

    Option{.section = "dr",
           .name = "export_dir",
           .target = FIELD(std::string, dr.export_dir),
           .check = check_absolute_dir},
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
