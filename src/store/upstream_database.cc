#include "staffeln/store/upstream_database.h"

#include "staffeln/database_scheme.h"
#include "staffeln/percent_decoding.h"
#include "staffeln/url_password.h"

#include <fmt/format.h>
#include <mysql.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <set>

namespace staffeln::store {
namespace {

Error url_error(const std::string& what) {
    return make_error(ErrorKind::invalid_input, fmt::format("upstream database URL: {}", what));
}

using Row = std::vector<std::optional<std::string>>;

struct MysqlCloser {
    void operator()(MYSQL* m) const { mysql_close(m); }
};
struct StmtCloser {
    void operator()(MYSQL_STMT* s) const { mysql_stmt_close(s); }
};

// One prepared SELECT without parameters, every column fetched as text (NULL as nullopt).
Result<std::vector<Row>> select_rows(MYSQL* m, std::string_view sql, const std::string& what) {
    auto fail = [&](const char* message) {
        return make_error(ErrorKind::io, fmt::format("cannot read {} of upstream's database: {}", what, message));
    };
    std::unique_ptr<MYSQL_STMT, StmtCloser> st(mysql_stmt_init(m));
    if (!st) return fail(mysql_error(m));
    if (mysql_stmt_prepare(st.get(), sql.data(), sql.size()) != 0) return fail(mysql_stmt_error(st.get()));
    if (mysql_stmt_execute(st.get()) != 0) return fail(mysql_stmt_error(st.get()));
    unsigned columns = mysql_stmt_field_count(st.get());
    constexpr unsigned long kWidth = 512;  // upstream's widest column is VARCHAR(255)
    std::vector<std::array<char, kWidth>> buffers(columns);
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns), errors(columns);
    std::vector<MYSQL_BIND> binds(columns);
    for (unsigned i = 0; i < columns; ++i) {
        binds[i] = MYSQL_BIND{};
        binds[i].buffer_type = MYSQL_TYPE_STRING;
        binds[i].buffer = buffers[i].data();
        binds[i].buffer_length = kWidth;
        binds[i].length = &lengths[i];
        binds[i].is_null = &nulls[i];
        binds[i].error = &errors[i];
    }
    if (mysql_stmt_bind_result(st.get(), binds.data()) != 0) return fail(mysql_stmt_error(st.get()));
    std::vector<Row> rows;
    for (;;) {
        int rc = mysql_stmt_fetch(st.get());
        if (rc == MYSQL_NO_DATA) break;
        if (rc == MYSQL_DATA_TRUNCATED) return fail("a value is longer than 512 bytes");
        if (rc != 0) return fail(mysql_stmt_error(st.get()));
        Row row(columns);
        for (unsigned i = 0; i < columns; ++i)
            if (!nulls[i]) row[i] = std::string(buffers[i].data(), lengths[i]);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string text(const std::optional<std::string>& v) { return v.value_or(""); }

std::optional<long> number(const std::optional<std::string>& v) {
    if (!v) return std::nullopt;
    long n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size()) return std::nullopt;
    return n;
}

std::optional<bool> flag(const std::optional<std::string>& v) {
    auto n = number(v);
    if (!n) return std::nullopt;
    return *n != 0;
}

}  // namespace

Result<MysqlUrl> parse_mysql_url(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return url_error("no scheme (expected mysql+pymysql://...)");
    if (!is_mysql_url(url))
        return url_error(
            fmt::format("scheme {} is not MySQL's (expected mysql+pymysql://, mysql:// or "
                        "mysql+mysqldb://)",
                        url.substr(0, scheme_end)));
    std::string_view rest = url.substr(scheme_end + 3);
    MysqlUrl out;
    // The password may hold '/', '?' or '@' unencoded: the user part runs to the last '@'.
    auto at = rest.rfind('@');
    if (at == std::string_view::npos && redact_url(std::string(url)) != url)
        // "user:password/db" without "@host": what follows the ':' is no port and may be the
        // password, so no part of the URL after it is shown.
        return url_error(
            "a ':' after the scheme is followed by no port number (a password goes before an '@': "
            "user:password@host:port/database)");
    if (at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        // SQLAlchemy unquotes the user and password (%40 is '@').
        auto user = percent_decoded(userinfo.substr(0, colon));
        if (!user) return url_error("the user name has a bad %-escape");
        out.user = *user;
        if (colon != std::string_view::npos) {
            auto password = percent_decoded(userinfo.substr(colon + 1));
            if (!password) return url_error("the password has a bad %-escape");
            out.password = *password;
        }
    }
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 == rest.size())
        return url_error("no database name (expected .../staffeln after the host)");
    out.database = std::string(rest.substr(slash + 1));
    std::string_view hostport = rest.substr(0, slash);
    if (auto colon = hostport.rfind(':');
        colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
        std::string_view port = hostport.substr(colon + 1);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
            return url_error(fmt::format("port {} is not a number from 1 to 65535", port));
        out.port = value;
        hostport = hostport.substr(0, colon);
    }
    out.host = std::string(hostport);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        auto value = percent_decoded(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!value) return url_error(fmt::format("query parameter {} has a bad %-escape", key));
        if (key == "charset") {
            if (*value != "utf8" && *value != "utf8mb4" && *value != "utf8mb3")
                return url_error(fmt::format("charset {} is not supported (use utf8 or utf8mb4)", *value));
            out.charset = *value == "utf8mb3" ? "utf8" : *value;
        } else if (key == "unix_socket") {
            if (value->empty() || value->front() != '/') return url_error("unix_socket must be an absolute path");
            out.unix_socket = *value;
        } else {
            return url_error(fmt::format("query parameter {} is not supported (supported: charset, unix_socket)", key));
        }
    }
    if (out.host.empty() && out.unix_socket.empty())
        return url_error("no host (expected user:password@host:port/database, or ?unix_socket=/path)");
    return out;
}

Result<UpstreamRows> read_upstream_database(const MysqlUrl& url, const std::string& url_for_messages) {
    std::string where = redact_url(url_for_messages);
    std::unique_ptr<MYSQL, MysqlCloser> m(mysql_init(nullptr));
    if (!m) return make_error(ErrorKind::io, "cannot initialise the MySQL client library");
    unsigned timeout = 10;
    mysql_optionsv(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(m.get(), MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_optionsv(m.get(), MYSQL_SET_CHARSET_NAME, url.charset.c_str());
    // Connector/C takes host "localhost" for its default unix socket, as SQLAlchemy's PyMySQL does
    // not: without ?unix_socket the URL means TCP, to whatever host it names.
    if (url.unix_socket.empty()) {
        unsigned protocol = MYSQL_PROTOCOL_TCP;
        mysql_optionsv(m.get(), MYSQL_OPT_PROTOCOL, &protocol);
    }
    const char* host = url.unix_socket.empty() ? url.host.c_str() : "localhost";
    if (!mysql_real_connect(m.get(), host, url.user.c_str(), url.password.empty() ? nullptr : url.password.c_str(),
                            url.database.c_str(), url.port, url.unix_socket.empty() ? nullptr : url.unix_socket.c_str(),
                            0))
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot connect to upstream's database {}: {}", where, mysql_error(m.get())));

    auto tables = select_rows(
        m.get(), "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()", "the table list");
    if (!tables) return tables.error();
    std::set<std::string> names;
    for (const auto& row : *tables) names.insert(text(row[0]));
    for (const char* table : {"alembic_version", "backup_data", "queue_data"})
        if (!names.contains(table))
            return make_error(ErrorKind::invalid_input,
                              fmt::format("upstream's database {} has no table {}: is it upstream Staffeln's "
                                          "database, created by `staffeln-db-manage upgrade`?",
                                          url.database, table));

    auto revision = select_rows(m.get(), "SELECT version_num FROM alembic_version", "alembic_version");
    if (!revision) return revision.error();
    std::string at = revision->size() == 1 ? text((*revision)[0][0]) : "";
    if (at != kUpstreamHeadRevision)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("upstream's database {} is at alembic revision {}, not at upstream's head {}: "
                                      "upgrade it with upstream's `staffeln-db-manage upgrade head` first",
                                      url.database, at.empty() ? "(none)" : at, kUpstreamHeadRevision));

    UpstreamRows out;
    auto backups = select_rows(m.get(),
                               "SELECT backup_id, volume_id, project_id, instance_id, backup_completed, incremental "
                               "FROM backup_data ORDER BY id",
                               "backup_data");
    if (!backups) return backups.error();
    out.backup_data_rows = backups->size();
    for (const auto& r : *backups)
        out.rows.push_back(
            {text(r[0]), text(r[1]), text(r[2]), text(r[3]), number(r[4]).value_or(0) == 1 ? 1 : 0, flag(r[5]), false});
    // Tasks with a backup: 1 in progress, 2 completed, 3 failed (0 planned and 4 init have none yet).
    auto queue = select_rows(m.get(),
                             "SELECT backup_id, volume_id, project_id, instance_id, backup_status, incremental "
                             "FROM queue_data WHERE backup_id IS NOT NULL AND backup_id <> '' "
                             "AND backup_status IN (1, 2, 3) ORDER BY id",
                             "queue_data");
    if (!queue) return queue.error();
    out.queue_data_rows = queue->size();
    for (const auto& r : *queue)
        out.rows.push_back(
            {text(r[0]), text(r[1]), text(r[2]), text(r[3]), number(r[4]).value_or(3) == 3 ? 0 : 1, flag(r[5]), true});
    auto unnamed = select_rows(m.get(),
                               "SELECT id, backup_status, volume_id, volume_name, instance_id, instance_name "
                               "FROM queue_data WHERE (backup_id IS NULL OR backup_id = '') "
                               "AND backup_status IN (1, 3) ORDER BY id",
                               "queue_data");
    if (!unnamed) return unnamed.error();
    for (const auto& r : *unnamed)
        out.unread_tasks.push_back(fmt::format(
            "queue_data task {} ({}) names no backup: volume {} ({}) of server {} ({}); a backup upstream made for it "
            "without noting its id stays untagged in Cinder (named <server>_<volume id>_<time>): keep or delete it "
            "by hand",
            text(r[0]), number(r[1]).value_or(0) == 1 ? "in progress" : "failed", text(r[2]), text(r[3]), text(r[4]),
            text(r[5])));
    // created_at is UTC without a zone (upstream's oslo timeutils.utcnow); TIMESTAMPDIFF reads it
    // as written, where UNIX_TIMESTAMP would apply the session's time zone.
    auto pending =
        select_rows(m.get(),
                    "SELECT id, volume_id, volume_name, instance_id, "
                    "TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', created_at) "
                    "FROM queue_data WHERE backup_status IN (0, 4) AND (backup_id IS NULL OR backup_id = '') "
                    "ORDER BY id",
                    "queue_data");
    if (!pending) return pending.error();
    for (const auto& r : *pending) {
        core::UpstreamPendingTask task{text(r[0]), text(r[1]), text(r[2]), text(r[3]), std::nullopt};
        if (auto seconds = number(r[4])) task.planned_at = TimePoint{std::chrono::seconds{*seconds}};
        out.pending_tasks.push_back(std::move(task));
    }
    return out;
}

}  // namespace staffeln::store
