// staffeln's configuration, read from upstream Staffeln's staffeln.conf (oslo.config INI).
// load_config() applies the files in order (later files override earlier ones), then the
// "*.conf" files of the config directory in name order, and validates every value.
// Problems are collected, not thrown: errors make the load fail, warnings do not.
#pragma once

#include "staffeln/duration.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace staffeln::config {

struct Config {
    struct Default {
        bool debug = false;
        std::string log_file;  // with log_dir set: log_dir joined with it (or with "<program>.log")
        std::string log_dir;
        // oslo.log's destinations and format (log_settings.h turns them into log::Settings).
        bool use_stderr = false;
        bool use_journal = false;
        bool use_json = false;
        bool use_syslog = false;
        std::string syslog_log_facility = "LOG_USER";
        std::string state_path;
    } defaults;

    struct Conductor {
        std::int64_t backup_workers = 1;
        std::int64_t rotation_workers = 1;
        std::int64_t backup_service_period = 1800;
        std::int64_t backup_min_interval = 1800;
        std::int64_t report_period = 86400;
        std::chrono::seconds backup_cycle_timeout{300};
        std::string backup_metadata_key;  // empty: every server is backed up
        std::string retention_metadata_key;
        std::string skip_volume_metadata_key = "skip-volume-backup";  // on a volume, "true" skips it
        std::string last_backup_metadata_key = "last-backup-time";    // set on the server after a success
        std::int64_t full_backup_depth = 2;
        // Per-server schedules (core/server_schedule.h): a server's metadata overrides each default.
        std::string backup_interval_metadata_key = "__staffeln_backup_interval";  // its backup_min_interval
        std::string backup_window;  // HH:MM-HH:MM in timezone (core/backup_window.h); "": backups start any time
        std::string backup_window_metadata_key = "__staffeln_backup_window";
        std::string full_backup_depth_metadata_key = "__staffeln_full_backup_depth";
        std::int64_t retention_service_period = 1200;
        CalendarDuration retention_time{std::chrono::days(17)};  // y and mon: calendar, back from now
        bool retention_safety_floor = true;
        std::string retention_policy;  // retention_rules.h grammar; empty: age alone
        std::string retention_policy_metadata_key = "__staffeln_retention_policy";
        std::string timezone = "UTC";  // retention's calendar days and backup windows: UTC, +HH:MM or an IANA name
        std::int64_t backup_poll_interval = 3;  // seconds between checks of backups creating or deleting
        std::string backup_mode = "volume";     // volume or snapshot (core/backup_mode.h), any case
        std::string backup_mode_metadata_key = "__staffeln_backup_mode";  // a server's own mode; "" for none
        std::string metrics_listen;  // HOST:PORT serving GET /metrics (listen_address.h); "": none. Read at start.
        std::vector<std::string> include_projects;  // project ids or names (core/project_scope.h); empty: all
        std::vector<std::string> exclude_projects;  // never backed up nor rotated, whatever include_projects says
    } conductor;

    struct OpenStack {
        std::int64_t retry_timeout = 300;
        std::int64_t max_retry_interval = 30;
        std::vector<std::string> skip_retry_codes{"404"};
    } openstack;

    struct Coordination {
        std::string backend_url;
    } coordination;

    struct Api {
        std::string host = "0.0.0.0";
        std::int64_t port = 8808;
        bool enabled_ssl = false;
        std::string ssl_cert_file;
        std::string ssl_key_file;
        std::string ca_file;
    } api;

    struct Notification {
        std::vector<std::string> receiver;
        std::string project_receiver_domain;
        std::string sender_email;
        std::string sender_pwd;
        std::string smtp_server_domain = "localhost";
        std::int64_t smtp_server_port = 25;
        std::string template_file;
        std::string smtp_ca_file;  // staffeln's own: CA bundle for the SMTP server's TLS; empty: the system's
    } notification;

    struct Database {
        std::string connection;
        std::filesystem::path path;  // derived from connection
        // A MySQL connection (upstream's): the database the conductor imports upstream's backups
        // from until an import completed; the store is then sqlite_connection's file, or
        // [DEFAULT] state_path/staffeln.db.
        std::string upstream_connection;
        std::string sqlite_connection;  // staffeln's own; used only with a MySQL connection
    } database;

    struct Dr {
        std::string export_dir;  // staffeln's own; empty: no files; else where each cycle writes the records
    } dr;
};

struct LoadResult {
    Config config;
    std::vector<std::string> errors;    // each "FILE:LINE: [section] option = value: why"
    std::vector<std::string> warnings;  // unknown sections and options, ignored ones
    std::vector<std::filesystem::path> files_read;
    bool ok() const { return errors.empty(); }
};

struct Sources {
    std::vector<std::filesystem::path> files{};  // explicit --config-file, in order
    std::filesystem::path dir{};                 // --config-dir, may be empty
    bool files_are_defaults = false;             // a missing default file is no error
    // oslo.log's command-line flags, which override the files: --debug, --log-file, --log-dir.
    bool debug = false;
    std::string log_file{};
    std::string log_dir{};
    std::string program = "staffeln";  // the name run as; log_dir without log_file logs to <program>.log
};

// Only regular files are read (staffeln/regular_file.h), each of at most kMaxConfigFileBytes; a
// --config-dir of more than kMaxConfigDirFiles *.conf files, or files that come to more than
// kMaxConfigTotalBytes together, is an error naming the directory or the file where the sum went
// over, and nothing after it is read: a directory filled by mistake costs no unbounded time or memory.
constexpr std::size_t kMaxConfigDirFiles = 1000;
constexpr std::size_t kMaxConfigTotalBytes = 16 * 1024 * 1024;
LoadResult load_config(const Sources& sources);

// "[section]\noption = value" lines of the effective configuration, secrets masked; each value
// written as ini_value_text writes it, so that the text read back gives the same values.
std::string show_config(const Config& config);

// Every option of the table (options.h), each with its line of help and its default, commented
// out as oslo-config-generator writes them: packaging/staffeln.conf is this text.
std::string sample_config();

}  // namespace staffeln::config
