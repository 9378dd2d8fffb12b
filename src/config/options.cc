#include "staffeln/config/options.h"

#include "staffeln/config/database_url.h"
#include "staffeln/database_scheme.h"
#include "staffeln/config/ini_file.h"
#include "staffeln/config/listen_address.h"
#include "staffeln/config/log_settings.h"
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

std::string check_syslog_facility(const std::string& value) {
    if (syslog_facility_number(value)) return {};
    return "expected a syslog facility (LOG_USER, LOG_DAEMON, LOG_LOCAL0 to LOG_LOCAL7, ...; the LOG_ may be left out)";
}

#define FIELD(type, path) +[](Config& c) -> type& { return c.path; }

const std::array kOptions{
    Option{"DEFAULT", "debug", FIELD(bool, defaults.debug),
           "Log debug lines too (oslo.log's; the command line's --debug sets it)."},
    Option{"DEFAULT", "log_file", FIELD(std::string, defaults.log_file),
           "Log to this file (created 0600), relative to log_dir when that is set; empty: stderr or the journal."},
    Option{"DEFAULT", "log_dir", FIELD(std::string, defaults.log_dir),
           "Directory of log_file; without log_file the file is <command name>.log in it."},
    Option{"DEFAULT", "use_stderr", FIELD(bool, defaults.use_stderr),
           "Log to stderr as well as to log_file or the journal."},
    Option{"DEFAULT", "use_journal", FIELD(bool, defaults.use_journal),
           "Log to journald natively: PRIORITY, SYSLOG_IDENTIFIER, LOGGER_NAME and LOGGER_LEVEL fields."},
    Option{"DEFAULT", "use_json", FIELD(bool, defaults.use_json),
           "Write each log line as one JSON object with oslo.log's keys, in every destination."},
    Option{"DEFAULT", "use_syslog", FIELD(bool, defaults.use_syslog),
           "Log to syslog(3) as well, with syslog_log_facility."},
    Option{.section = "DEFAULT",
           .name = "syslog_log_facility",
           .target = FIELD(std::string, defaults.syslog_log_facility),
           .help = "Syslog facility of use_syslog and use_journal: LOG_USER, LOG_DAEMON, LOG_LOCAL0 to LOG_LOCAL7, ...",
           .check = check_syslog_facility},
    Option{"DEFAULT", "state_path", FIELD(std::string, defaults.state_path),
           "Directory of the default store (state_path/staffeln.db); empty: /var/lib/staffeln."},

    Option{.section = "conductor",
           .name = "backup_workers",
           .target = FIELD(std::int64_t, conductor.backup_workers),
           .help = "Cinder requests in flight at most for backup creates and checks.",
           .min = 1,
           .max = 1000},
    Option{.section = "conductor",
           .name = "rotation_workers",
           .target = FIELD(std::int64_t, conductor.rotation_workers),
           .help = "Deletes in flight at most during retention.",
           .min = 1,
           .max = 1000},
    Option{.section = "conductor",
           .name = "backup_service_period",
           .target = FIELD(std::int64_t, conductor.backup_service_period),
           .help = "Seconds between backup cycles.",
           .min = 60,
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "backup_min_interval",
           .target = FIELD(std::int64_t, conductor.backup_min_interval),
           .help = "No new backup of a volume within this many seconds of its last; 0: every cycle.",
           .min = 0,
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "report_period",
           .target = FIELD(std::int64_t, conductor.report_period),
           .help = "Seconds between the per-project reports.",
           .min = 600,
           .max = kMaxPeriod},
    // Upstream spells it "timout"; the corrected spelling is accepted too.
    Option{
        .section = "conductor",
        .name = "backup_cycle_timout",
        .target = FIELD(std::chrono::seconds, conductor.backup_cycle_timeout),
        .help =
            "A backup still creating after this duration is cancelled (upstream's spelling; backup_cycle_timeout too).",
        .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "backup_cycle_timeout",
           .target = FIELD(std::chrono::seconds, conductor.backup_cycle_timeout),
           .help = "The corrected spelling of backup_cycle_timout.",
           .max = kMaxPeriod},
    Option{"conductor", "backup_metadata_key", FIELD(std::string, conductor.backup_metadata_key),
           "Server metadata key whose value true selects the server for backup; empty: every server."},
    Option{"conductor", "retention_metadata_key", FIELD(std::string, conductor.retention_metadata_key),
           "Server metadata key holding the server's own retention_time."},
    Option{"conductor", "skip_volume_metadata_key", FIELD(std::string, conductor.skip_volume_metadata_key),
           "Volume metadata key whose value true leaves the volume out."},
    Option{"conductor", "last_backup_metadata_key", FIELD(std::string, conductor.last_backup_metadata_key),
           "Server metadata key set to the time of its last successful backup."},
    Option{.section = "conductor",
           .name = "full_backup_depth",
           .target = FIELD(std::int64_t, conductor.full_backup_depth),
           .help = "Incremental backups between two full ones; 0: always full.",
           .min = 0,
           .max = 1000},
    Option{"conductor", "backup_interval_metadata_key", FIELD(std::string, conductor.backup_interval_metadata_key),
           "Server metadata key holding the server's own backup_min_interval (a duration); empty: none."},
    Option{.section = "conductor",
           .name = "backup_window",
           .target = FIELD(std::string, conductor.backup_window),
           .help = "HH:MM-HH:MM in timezone: backups start only inside it; empty: any time.",
           .check = check_backup_window},
    Option{"conductor", "backup_window_metadata_key", FIELD(std::string, conductor.backup_window_metadata_key),
           "Server metadata key holding the server's own backup_window; empty: none."},
    Option{"conductor", "full_backup_depth_metadata_key", FIELD(std::string, conductor.full_backup_depth_metadata_key),
           "Server metadata key holding the server's own full_backup_depth; empty: none."},
    Option{.section = "conductor",
           .name = "retention_service_period",
           .target = FIELD(std::int64_t, conductor.retention_service_period),
           .help = "Seconds between retention cycles.",
           .min = 60,
           .max = kMaxPeriod},
    Option{.section = "conductor",
           .name = "retention_time",
           .target = FIELD(CalendarDuration, conductor.retention_time),
           .help = "Automated backups older than this duration are deleted (y and mon are calendar years and months).",
           .max = kMaxRetention.count()},
    Option{"conductor", "retention_safety_floor", FIELD(bool, conductor.retention_safety_floor),
           "Keep the newest chain of every still-tagged volume even when it expired."},
    Option{.section = "conductor",
           .name = "retention_policy",
           .target = FIELD(std::string, conductor.retention_policy),
           .help = "Rules that keep backups beyond retention_time, e.g. last=3,daily=7,weekly=4,monthly=12,yearly=2.",
           .check = check_retention_policy},
    Option{"conductor", "retention_policy_metadata_key", FIELD(std::string, conductor.retention_policy_metadata_key),
           "Server metadata key holding the server's own retention_policy."},
    Option{.section = "conductor",
           .name = "timezone",
           .target = FIELD(std::string, conductor.timezone),
           .help =
               "Where days begin for retention_policy and backup windows: UTC, +02:00 or a name such as Europe/Berlin.",
           .check = check_timezone},
    Option{.section = "conductor",
           .name = "backup_poll_interval",
           .target = FIELD(std::int64_t, conductor.backup_poll_interval),
           .help = "Seconds between the listings that check backups being created or deleted.",
           .min = 1,
           .max = 600},
    Option{.section = "conductor",
           .name = "backup_mode",
           .target = FIELD(std::string, conductor.backup_mode),
           .help = "volume: back up each volume itself; snapshot: snapshot a server's volumes together first.",
           .check = check_backup_mode},
    Option{"conductor", "backup_mode_metadata_key", FIELD(std::string, conductor.backup_mode_metadata_key),
           "Server metadata key whose value volume or snapshot overrides backup_mode; empty: none."},
    Option{.section = "conductor",
           .name = "metrics_listen",
           .target = FIELD(std::string, conductor.metrics_listen),
           .help = "HOST:PORT where the conductor serves Prometheus' GET /metrics (e.g. 127.0.0.1:9101); empty: off.",
           .check = check_listen_address},
    Option{.section = "conductor",
           .name = "include_projects",
           .target = FIELD(std::vector<std::string>, conductor.include_projects),
           .help = "Project ids or names whose servers are backed up and rotated; empty: every project.",
           .check = check_project_list},
    Option{.section = "conductor",
           .name = "exclude_projects",
           .target = FIELD(std::vector<std::string>, conductor.exclude_projects),
           .help = "Project ids or names never backed up nor rotated.",
           .check = check_project_list},

    Option{.section = "openstack",
           .name = "retry_timeout",
           .target = FIELD(std::int64_t, openstack.retry_timeout),
           .help = "Give up retrying a cloud call after this many seconds.",
           .min = 1,
           .max = kDay},
    Option{.section = "openstack",
           .name = "max_retry_interval",
           .target = FIELD(std::int64_t, openstack.max_retry_interval),
           .help = "Longest wait between two retries of a cloud call, in seconds.",
           .min = 0,
           .max = 3600},
    Option{.section = "openstack",
           .name = "skip_retry_codes",
           .target = FIELD(std::vector<std::string>, openstack.skip_retry_codes),
           .help = "HTTP status codes never retried, comma-separated.",
           .check = check_status_codes},

    Option{.section = "coordination",
           .name = "backend_url",
           .target = FIELD(std::string, coordination.backend_url),
           .help = "file:///dir, etcd3+http://host:2379 or kubernetes://; empty: Leases in a pod, else file locks.",
           .secrecy = Secrecy::url_auth,
           .check = check_backend_url},

    Option{"api", "host", FIELD(std::string, api.host), "Address the API listens on."},
    Option{.section = "api",
           .name = "port",
           .target = FIELD(std::int64_t, api.port),
           .help = "Port the API listens on.",
           .min = 1,
           .max = 65535},
    Option{"api", "enabled_ssl", FIELD(bool, api.enabled_ssl), "Serve HTTPS with ssl_cert_file and ssl_key_file."},
    Option{"api", "ssl_cert_file", FIELD(std::string, api.ssl_cert_file), "PEM certificate (chain) for HTTPS."},
    Option{"api", "ssl_key_file", FIELD(std::string, api.ssl_key_file), "PEM private key for HTTPS."},
    Option{"api", "ca_file", FIELD(std::string, api.ca_file), "Accepted for upstream compatibility; unused."},

    Option{.section = "notification",
           .name = "receiver",
           .target = FIELD(std::vector<std::string>, notification.receiver),
           .help = "Report recipients for every project, comma-separated.",
           .check = check_receivers},
    Option{.section = "notification",
           .name = "project_receiver_domain",
           .target = FIELD(std::string, notification.project_receiver_domain),
           .help = "Else send each project's report to <project name>@this domain.",
           .check = check_mail_domain},
    Option{.section = "notification",
           .name = "sender_email",
           .target = FIELD(std::string, notification.sender_email),
           .help = "From address and SMTP user; empty: reports go to the log.",
           .check = check_sender_email},
    Option{.section = "notification",
           .name = "sender_pwd",
           .target = FIELD(std::string, notification.sender_pwd),
           .help = "SMTP password (never shown or logged).",
           .secrecy = Secrecy::whole},
    Option{"notification", "smtp_server_domain", FIELD(std::string, notification.smtp_server_domain), "SMTP server."},
    Option{.section = "notification",
           .name = "smtp_server_port",
           .target = FIELD(std::int64_t, notification.smtp_server_port),
           .help = "SMTP port (465: implicit TLS; others: STARTTLS when offered).",
           .min = 1,
           .max = 65535},
    Option{"notification", "template_file", FIELD(std::string, notification.template_file),
           "Mustache template replacing the report's built-in HTML one."},
    Option{"notification", "smtp_ca_file", FIELD(std::string, notification.smtp_ca_file),
           "CA bundle for the SMTP server's certificate; empty: the system's."},

    Option{.section = "database",
           .name = "connection",
           .target = FIELD(std::string, database.connection),
           .help = "The store, sqlite:////absolute/path; or upstream's MySQL URL, imported from once.",
           .secrecy = Secrecy::url_auth,
           .check = check_database_url},
    Option{.section = "database",
           .name = "sqlite_connection",
           .target = FIELD(std::string, database.sqlite_connection),
           .help = "The store's sqlite:////absolute/path when connection is upstream's MySQL URL.",
           .check = check_sqlite_url},
    Option{.section = "database",
           .name = "backend",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "tooz_connection",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .secrecy = Secrecy::url_auth,
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "mysql_engine",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "mysql_sql_mode",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "idle_timeout",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "min_pool_size",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "max_pool_size",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "max_retries",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},
    Option{.section = "database",
           .name = "retry_interval",
           .target = Ignored{},
           .help = "Upstream's; ignored.",
           .note = kSqlOnly},

    Option{.section = "dr",
           .name = "export_dir",
           .target = FIELD(std::string, dr.export_dir),
           .help = "Absolute directory where each cycle writes the backups' export records; empty: none.",
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
