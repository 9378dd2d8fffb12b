#include "staffeln/store/upstream_database.h"
#include "staffeln/url_password.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::store;

TEST_CASE("upstream's sample connection URL parses into user, password, host, port and database") {
    auto url = parse_mysql_url("mysql+pymysql://root:password@localhost:3306/staffeln");
    REQUIRE(url.ok());
    CHECK(url->user == "root");
    CHECK(url->password == "password");
    CHECK(url->host == "localhost");
    CHECK(url->port == 3306);
    CHECK(url->database == "staffeln");
    CHECK(url->unix_socket.empty());
}

TEST_CASE("the password runs to the last '@' and is percent-decoded, and charset and unix_socket are read") {
    auto url =
        parse_mysql_url("mysql://staff%40eln:p@ss/w%3Ard@db.example:3307/up?charset=utf8&unix_socket=/run/my.sock");
    REQUIRE(url.ok());
    CHECK(url->user == "staff@eln");
    CHECK(url->password == "p@ss/w:rd");
    CHECK(url->host == "db.example");
    CHECK(url->port == 3307);
    CHECK(url->database == "up");
    CHECK(url->charset == "utf8");
    CHECK(url->unix_socket == "/run/my.sock");
}

TEST_CASE("a socket alone needs no host, and the port defaults to 3306") {
    auto url = parse_mysql_url("mysql+pymysql://root@/staffeln?unix_socket=/tmp/x/mysqld.sock");
    REQUIRE(url.ok());
    CHECK(url->host.empty());
    CHECK(url->port == 3306);
    CHECK(url->password.empty());
}

TEST_CASE("a bad URL names its part, never the password") {
    struct Case {
        const char* url;
        const char* error;
    };
    const Case cases[] = {
        {"postgresql://u:secret@h/db",
         "upstream database URL: scheme postgresql is not MySQL's (expected mysql+pymysql://, mysql:// or "
         "mysql+mysqldb://)"},
        {"mysql+pymysql://u:secret@h:0/db", "upstream database URL: port 0 is not a number from 1 to 65535"},
        {"mysql+pymysql://u:secret@h:x/db", "upstream database URL: port x is not a number from 1 to 65535"},
        {"mysql+pymysql://u:secret@h",
         "upstream database URL: no database name (expected .../staffeln after the host)"},
        {"mysql+pymysql://u:se%zzret@h/db", "upstream database URL: the password has a bad %-escape"},
        {"mysql+pymysql://u:secret@h/db?ssl=1",
         "upstream database URL: query parameter ssl is not supported (supported: charset, unix_socket)"},
        {"mysql+pymysql://u:secret@h/db?charset=latin1",
         "upstream database URL: charset latin1 is not supported (use utf8 or utf8mb4)"},
        {"mysql+pymysql://u:secret@h/db?unix_socket=rel.sock",
         "upstream database URL: unix_socket must be an absolute path"},
        {"mysql+pymysql://u:secret@/db",
         "upstream database URL: no host (expected user:password@host:port/database, or ?unix_socket=/path)"},
        {"staffeln", "upstream database URL: no scheme (expected mysql+pymysql://...)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.url);
        auto url = parse_mysql_url(c.url);
        REQUIRE_FALSE(url.ok());
        CHECK(url.error().message == c.error);
        CHECK(url.error().message.find("secret") == std::string::npos);
    }
}

TEST_CASE("no error for a malformed URL shows its password, nor does the URL as shown in messages") {
    // Each holds the password "pw5ecret" (or a part of it where the URL cuts it), the host left
    // out, its '@' lost, or its characters taken for a port, a path or a query.
    const char* urls[] = {
        "mysql+pymysql://root:pw5ecret/staffeln",
        "mysql+pymysql://root:pw5ecret",
        "mysql+pymysql://root:pw5ecret:3306/staffeln",
        "mysql+pymysql://root:pw5e/cret/staffeln",
        "mysql+pymysql://root:pw5e?cret/staffeln",
        "mysql+pymysql://root:pw5e#cret/staffeln",
        "mysql+pymysql://root:pw5ecret/staffeln?charset=utf8",
        "mysql+pymysql://root:pw5ecret/staffeln?unix_socket=/run/mysqld.sock",
        "mysql+pymysql://[::1:pw5ecret/staffeln",
        "mysql+pymysql://root:pw5ecret@",
        "mysql+pymysql://root:pw5ecret@h:x/db",
        "mysql+pymysql://root:pw5e%zzcret@h/db",
        "mysql+pymysql://root:pw5ecret@/db",
        "mysql+pymysql://root:pw5ecret@h/db?ssl=1",
    };
    for (const char* text : urls) {
        CAPTURE(text);
        auto url = parse_mysql_url(text);
        REQUIRE_FALSE(url.ok());
        for (const char* part : {"pw5e", "cret"}) {
            CHECK(url.error().message.find(part) == std::string::npos);
            CHECK(redact_url(text).find(part) == std::string::npos);
        }
    }
    auto lost_at = parse_mysql_url("mysql+pymysql://root:pw5ecret/staffeln");
    REQUIRE_FALSE(lost_at.ok());
    CHECK(lost_at.error().message ==
          "upstream database URL: a ':' after the scheme is followed by no port number (a password goes before an "
          "'@': user:password@host:port/database)");
    CHECK(redact_url("mysql+pymysql://root:pw5ecret/staffeln") == "mysql+pymysql://root:***");
    // A host and port without a user, an IPv6 literal and etcd's host list are shown as they are.
    for (const char* shown : {"mysql+pymysql://db.example:3306/staffeln", "mysql+pymysql://[::1]:3306/staffeln",
                              "etcd3+http://etcd:2379,etcd2:2379", "http://[::1]/v3"})
        CHECK(redact_url(shown) == shown);
    CHECK(parse_mysql_url("mysql+pymysql://db.example:3306/staffeln").ok());
}
