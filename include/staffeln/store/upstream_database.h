// Reads upstream Staffeln's MySQL database (MariaDB Connector/C, prepared SELECTs only; it never
// writes): its SQLAlchemy URL as upstream's [database] connection writes it, the schema checked at
// upstream's head alembic revision, the rows of backup_data and queue_data that name a backup, and
// queue_data's tasks not yet sent to Cinder.
// Errors name the URL part, table or revision at fault; the password is never in one.
#pragma once

#include "staffeln/core/upstream_import.h"
#include "staffeln/core/upstream_queue.h"
#include "staffeln/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace staffeln::store {

// mysql[+driver]://user[:password]@host[:port]/database[?charset=...&unix_socket=/path]; user and
// password percent-decoded as SQLAlchemy does; the password runs to the URL's last '@'.
struct MysqlUrl {
    std::string user;
    std::string password;
    std::string host;
    unsigned port = 3306;
    std::string database;
    std::string unix_socket;  // "" for TCP
    std::string charset = "utf8mb4";
};

Result<MysqlUrl> parse_mysql_url(std::string_view url);

inline constexpr std::string_view kUpstreamHeadRevision = "5b2e78435231";

struct UpstreamRows {
    std::vector<core::UpstreamBackupRow> rows;  // backup_data's in id order, then queue_data's
    std::size_t backup_data_rows = 0;
    std::size_t queue_data_rows = 0;
    // queue_data tasks in progress or failed that name no backup: nothing to import, but a backup
    // upstream made and did not note stays untagged in Cinder. One line each, for the operator.
    std::vector<std::string> unread_tasks;
    // queue_data tasks planned (backup_status 0) or starting (4): no backup in Cinder yet, but an
    // upstream conductor still running may send one (core/upstream_queue.h).
    std::vector<core::UpstreamPendingTask> pending_tasks;
};

// url_for_messages: the URL as the user wrote it, redacted before it is shown.
Result<UpstreamRows> read_upstream_database(const MysqlUrl& url, const std::string& url_for_messages);

}  // namespace staffeln::store
