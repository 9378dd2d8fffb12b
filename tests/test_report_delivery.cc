// Reports delivered for real: through an SMTP server on loopback with STARTTLS and AUTH
// (python3-aiosmtpd), servers that refuse, the log when no sender is set, and
// `staffeln report` including --dry-run leaving the store byte for byte unchanged.
#include "staffeln/report/report_store.h"
#include "staffeln/report/reporter.h"

#include "support/ports.h"
#include "support/process.h"
#include "support/smtp_server.h"
#include "support/task_rows.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

using namespace staffeln;
using namespace staffeln::report;
using staffeln::testing::insert_task;
using staffeln::testing::run_staffeln;
using staffeln::testing::SmtpServer;
using staffeln::testing::TempDir;

namespace {

constexpr const char* kUser = "staffeln@example.org";
constexpr const char* kPassword = "s3cret-Pa55";
constexpr std::int64_t kNow = 1'763'790'000;

TimePoint at(std::int64_t unix_seconds) { return TimePoint(std::chrono::seconds(unix_seconds)); }

// The cloud's answers as plain values, the way the OpenStack client will give them.
class FixedInputs final : public ReportInputs {
public:
    std::map<std::string, ProjectFacts> projects;
    std::map<std::string, std::vector<std::string>> members;

    Result<ProjectFacts> project(const std::string& id) override {
        auto found = projects.find(id);
        if (found == projects.end()) return make_error(ErrorKind::not_found, "Keystone has no project " + id);
        return found->second;
    }
    Result<std::vector<std::string>> member_emails(const std::string& id) override { return members[id]; }
};

ReportSettings smtp_settings(const SmtpServer& server) {
    ReportSettings settings;
    settings.smtp.host = "127.0.0.1";
    settings.smtp.port = server.port();
    settings.smtp.sender = kUser;
    settings.smtp.password = kPassword;
    settings.smtp.ca_file = server.ca_file().string();
    settings.smtp.total_timeout = std::chrono::seconds(20);
    settings.period = std::chrono::seconds(3600);
    return settings;
}

void fill_store(store::Database& db) {
    insert_task(db, {.id = "t1",
                     .project_id = "p1",
                     .server_name = "<script>alert(1)</script>",
                     .volume_name = "Größe-данные-数据"});
    insert_task(db, {.id = "t2",
                     .project_id = "p1",
                     .status = "failed",
                     .kind = "incremental",
                     .last_error = "Cinder: <quota> exceeded"});
    insert_task(db, {.id = "t3", .project_id = "p2", .status = "succeeded"});
}

std::string config_file(const TempDir& dir, const std::string& notification) {
    return dir
        .write("staffeln.conf", fmt::format("[database]\nconnection = sqlite:///{}\n\n[notification]\n{}",
                                            (dir / "staffeln.db").string(), notification))
        .string();
}

std::string smtp_notification(const SmtpServer& server, const std::string& password, const std::string& receiver) {
    return fmt::format(
        "receiver = {}\nsender_email = {}\nsender_pwd = {}\nsmtp_server_domain = 127.0.0.1\n"
        "smtp_server_port = {}\nsmtp_ca_file = {}\n",
        receiver, kUser, password, server.port(), server.ca_file().string());
}

}  // namespace

TEST_CASE("a report goes through a real SMTP server with STARTTLS and AUTH, escaped and in UTF-8") {
    SmtpServer server(kUser, kPassword);
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    fill_store(db);
    FixedInputs inputs;
    inputs.projects["p1"] = {"Ärger-Projekt ✓", QuotaUsage{100, 60, 5}};
    inputs.projects["p2"] = {"second", QuotaUsage{-1, 7, 0}};
    auto settings = smtp_settings(server);
    settings.recipients.receiver = {"ops@example.org", "backup@example.org"};

    auto reports = send_due_reports(db, settings, inputs, at(kNow));
    REQUIRE(reports.ok());
    REQUIRE(reports->size() == 2);
    CHECK((*reports)[0].delivery == Delivery::sent);
    CHECK((*reports)[0].detail == "sent to backup@example.org, ops@example.org");
    CHECK((*reports)[1].delivery == Delivery::sent);

    auto mail = server.messages();
    REQUIRE(mail.size() == 2);
    const auto& m = mail[0];
    CHECK(m["tls"] == true);
    CHECK(m["authenticated"] == true);
    CHECK(m["mail_from"] == kUser);
    CHECK(m["rcpt_tos"] == nlohmann::json::array({"backup@example.org", "ops@example.org"}));
    CHECK(m["from"] == "Staffeln <staffeln@example.org>");
    CHECK(m["to"] == "backup@example.org, ops@example.org");
    CHECK(m["subject"] == "Staffeln backup report: Ärger-Projekt ✓ (p1)");
    CHECK(m["raw_subject"].get<std::string>().find("=?UTF-8?B?") == 0);
    CHECK(m["date"] == "Sat, 22 Nov 2025 05:40:00 +0000");
    CHECK(m["content_type"] == "multipart/alternative");
    CHECK(m["bare_lf"] == false);
    CHECK(m["longest_line"].get<int>() <= 78);
    CHECK(m["defects"].empty());
    auto html = m["parts"]["text/html"]["text"].get<std::string>();
    auto text = m["parts"]["text/plain"]["text"].get<std::string>();
    CHECK(m["parts"]["text/html"]["charset"] == "utf-8");
    CHECK(m["parts"]["text/plain"]["transfer_encoding"] == "base64");
    CHECK(html.find("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") != std::string::npos);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("Cinder: &lt;quota&gt; exceeded") != std::string::npos);
    CHECK(html.find("Größe-данные-数据") != std::string::npos);
    CHECK(html.find("<p class=\"quota-warning\">") != std::string::npos);
    CHECK(text.find("server <script>alert(1)</script> (srv-t1), volume Größe-данные-数据 (vol-t1)") !=
          std::string::npos);
    CHECK(text.find("Limit: 100 GB, in use: 60 GB, reserved: 5 GB, usage: 65.0 % (warning)") != std::string::npos);
    CHECK(text.find("failed: Cinder: <quota> exceeded") != std::string::npos);
    CHECK(mail[1]["parts"]["text/plain"]["text"].get<std::string>().find("Limit: unlimited, in use: 7 GB") !=
          std::string::npos);

    CHECK(unreported_tasks(db)->empty());
    CHECK(testing::count_rows(db, "tasks") == 2);  // t1 and t3 keep their backups' tags known, reported
    CHECK(testing::count_rows(db, "report_timestamps") == 2);
}

TEST_CASE("without receiver or domain the report goes to the project's members, and none skips it") {
    SmtpServer server(kUser, kPassword);
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    fill_store(db);
    FixedInputs inputs;
    inputs.projects["p1"] = {"one", std::nullopt};
    inputs.projects["p2"] = {"two", std::nullopt};
    inputs.members["p1"] = {"carol@example.net", "alice@example.net"};
    auto settings = smtp_settings(server);
    settings.smtp.password.clear();  // no AUTH: STARTTLS is still taken since the server offers it
    auto reports = send_due_reports(db, settings, inputs, at(kNow));
    REQUIRE(reports.ok());
    REQUIRE(reports->size() == 2);
    CHECK((*reports)[0].delivery == Delivery::sent);
    CHECK((*reports)[0].recipients.source == RecipientSource::project_members);
    CHECK((*reports)[1].delivery == Delivery::skipped);
    CHECK((*reports)[1].detail ==
          "no [notification] receiver or project_receiver_domain is set and no member of the "
          "project has an e-mail address");
    auto mail = server.messages();
    REQUIRE(mail.size() == 1);
    CHECK(mail[0]["rcpt_tos"] == nlohmann::json::array({"alice@example.net", "carol@example.net"}));
    CHECK(mail[0]["tls"] == true);
    CHECK(mail[0]["authenticated"] == false);
    CHECK(mail[0]["parts"]["text/plain"]["text"].get<std::string>().find("Quota usage is not known.") !=
          std::string::npos);
    CHECK(unreported_tasks(db, "p2")->size() == 1);
    CHECK(unreported_tasks(db, "p1")->empty());
}

TEST_CASE("the project name at project_receiver_domain receives the report") {
    SmtpServer server(kUser, kPassword);
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    insert_task(db, {.id = "t3", .project_id = "p2"});
    FixedInputs inputs;
    inputs.projects["p2"] = {"acme-prod", std::nullopt};
    auto settings = smtp_settings(server);
    settings.recipients.project_receiver_domain = "customers.example.com";
    auto reports = send_due_reports(db, settings, inputs, at(kNow));
    REQUIRE(reports.ok());
    REQUIRE(server.messages().size() == 1);
    CHECK(server.messages()[0]["rcpt_tos"] == nlohmann::json::array({"acme-prod@customers.example.com"}));
}

TEST_CASE("a project reported within report_period is not due, and one the cloud cannot describe waits") {
    SmtpServer server(kUser, kPassword);
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    fill_store(db);
    FixedInputs inputs;
    inputs.projects["p1"] = {"one", std::nullopt};
    auto settings = smtp_settings(server);
    settings.recipients.receiver = {"ops@example.org"};
    REQUIRE(record_delivery(db, {"p1", {}, kUser, at(kNow - 600), at(0)}).ok());
    auto reports = send_due_reports(db, settings, inputs, at(kNow));
    REQUIRE(reports.ok());
    REQUIRE(reports->size() == 2);
    CHECK((*reports)[0].delivery == Delivery::not_due);
    CHECK((*reports)[0].detail == "last report at 2025-11-22 05:30:00 UTC");
    CHECK((*reports)[1].delivery == Delivery::skipped);
    CHECK((*reports)[1].detail == "Keystone has no project p2");
    CHECK(server.messages().empty());
    CHECK(testing::count_rows(db, "tasks") == 3);
    auto later = send_due_reports(db, settings, inputs, at(kNow + 3000));
    REQUIRE(later.ok());
    CHECK((*later)[0].delivery == Delivery::sent);
}

TEST_CASE("without sender_email the report goes to the log and counts as delivered") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    insert_task(db, {.id = "t1", .project_id = "p1"});
    FixedInputs inputs;
    inputs.projects["p1"] = {"one", std::nullopt};
    ReportSettings settings;
    auto reports = send_due_reports(db, settings, inputs, at(kNow));
    REQUIRE(reports.ok());
    CHECK((*reports)[0].delivery == Delivery::logged);
    CHECK(unreported_tasks(db)->empty());
    CHECK(db.sql().execAndGet("SELECT sender FROM report_timestamps").getString() == "RecordInLog");
}

TEST_CASE("staffeln report sends through SMTP and purges, and a second run finds nothing") {
    SmtpServer server(kUser, kPassword);
    TempDir dir;
    {
        auto db = testing::new_store(dir / "staffeln.db");
        fill_store(db);
    }
    auto conf = config_file(dir, smtp_notification(server, kPassword, "ops@example.org"));
    auto r = run_staffeln({"--config-file", conf, "report", "--format", "json"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("project p1 (p1): sent: sent to ops@example.org\n") != std::string::npos);
    // Printable ASCII on stdout (issue 20): non-ASCII names, C1 controls among them, are \u escapes.
    CHECK(std::all_of(r.out.begin(), r.out.end(), [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); }));
    CHECK(r.out.find("Gr\\u00f6\\u00dfe-") != std::string::npos);
    auto out = nlohmann::json::parse(r.out);
    REQUIRE(out.size() == 2);
    CHECK(out[0]["delivery"] == "sent");
    CHECK(out[0]["succeeded"][0]["volume_name"] == "Größe-данные-数据");
    CHECK(out[0]["recipients"] == nlohmann::json::array({"ops@example.org"}));
    CHECK(out[0]["succeeded"][0]["server_name"] == "<script>alert(1)</script>");
    CHECK(out[0]["failed"][0]["reason"] == "Cinder: <quota> exceeded");
    CHECK(server.messages().size() == 2);
    auto again = run_staffeln({"--config-file", conf, "report"});
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("no finished backup tasks to report\n") != std::string::npos);
    CHECK(server.messages().size() == 2);
}

TEST_CASE("an SMTP server that refuses leaves every task in the store and the log says why") {
    SmtpServer server(kUser, kPassword);
    struct Row {
        std::string name;
        std::string notification;
        std::string reason;
    };
    std::vector<Row> rows{
        {"connection refused",
         fmt::format(
             "receiver = ops@example.org\nsender_email = {}\nsmtp_server_domain = 127.0.0.1\nsmtp_server_port = {}\n",
             kUser, testing::free_port()),
         "connection refused"},
        {"auth failed", smtp_notification(server, "wrong-password", "ops@example.org"),
         "authentication failed for staffeln@example.org"},
        {"recipient rejected", smtp_notification(server, kPassword, "nobody@rejected.example"),
         "recipient rejected (reply 550"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.name);
        TempDir dir;
        {
            auto db = testing::new_store(dir / "staffeln.db");
            fill_store(db);
        }
        auto r = run_staffeln({"--config-file", config_file(dir, row.notification), "report"});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("not delivered, its tasks are kept for the next try: SMTP server 127.0.0.1:") !=
              std::string::npos);
        CHECK(r.err.find(row.reason) != std::string::npos);
        CHECK(r.err.find("wrong-password") == std::string::npos);
        CHECK(r.err.find(kPassword) == std::string::npos);
        auto db = store::Database::open(dir / "staffeln.db", store::Access::read_only, store::Create::never);
        REQUIRE(db.ok());
        CHECK(testing::count_rows(*db, "tasks") == 3);
        CHECK(testing::count_rows(*db, "report_timestamps") == 0);
    }
    CHECK(server.messages().empty());
}

TEST_CASE("staffeln report --dry-run shows reports and recipients and leaves the store byte for byte unchanged") {
    TempDir dir;
    {
        auto db = testing::new_store(dir / "staffeln.db");
        fill_store(db);
    }
    auto before = staffeln::testing::read_file(dir / "staffeln.db");
    auto hash_before = std::hash<std::string>{}(before);
    auto conf = config_file(dir, fmt::format("receiver = ops@example.org\nsender_email = {}\nsmtp_server_domain = "
                                             "127.0.0.1\nsmtp_server_port = {}\n",
                                             kUser, testing::free_port()));
    auto html = run_staffeln({"--config-file", conf, "report", "--dry-run", "--format", "html", "--project", "p1",
                              "--output", (dir / "out.html").string()});
    CHECK(html.exit_code == 0);
    CHECK(html.out.empty());
    CHECK(html.err.find("WARNING staffeln.report [-] no cloud credentials (") != std::string::npos);
    CHECK(html.err.ends_with("\nproject p1 (p1): dry run: would be sent to ops@example.org\n"));
    auto written = staffeln::testing::read_file(dir / "out.html");
    CHECK(written.find("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") != std::string::npos);
    CHECK(written.find("Größe-данные-数据") != std::string::npos);
    auto text = run_staffeln({"--config-file", conf, "report", "--dry-run"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("Backup report for project p1\n") != std::string::npos);
    CHECK(text.out.find("Backup report for project p2\n") != std::string::npos);
    auto after = staffeln::testing::read_file(dir / "staffeln.db");
    CHECK(std::hash<std::string>{}(after) == hash_before);
    CHECK(after == before);
}

TEST_CASE("an operator's template replaces the built-in one, and a missing one is a clear error") {
    TempDir dir;
    {
        auto db = testing::new_store(dir / "staffeln.db");
        fill_store(db);
    }
    auto mine = dir.write("mine.html", "<h1>{{project_name}}</h1>{{#succeeded}}<i>{{server_name}}</i>{{/succeeded}}\n");
    auto conf = config_file(dir, "template_file = " + mine.string() + "\n");
    auto r = run_staffeln({"--config-file", conf, "report", "--dry-run", "--format", "html", "--project", "p1"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "<h1>p1</h1><i>&lt;script&gt;alert(1)&lt;&#x2F;script&gt;</i>\n");
    auto missing = config_file(dir, "template_file = " + (dir / "nope.html").string() + "\n");
    auto bad = run_staffeln({"--config-file", missing, "report", "--dry-run"});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.ends_with("\nstaffeln report: [notification] template_file: " + (dir / "nope.html").string() +
                            ": cannot read report template: No such file or directory\n"));
}

TEST_CASE("without STARTTLS on offer mail goes in clear, but a password never does") {
    SmtpServer server(kUser, kPassword, SmtpServer::Tls::none);
    auto settings = smtp_settings(server);
    std::string message = "From: <staffeln@example.org>\r\nTo: <ops@example.org>\r\nSubject: hi\r\n\r\nhello\r\n";
    auto refused = send_mail(settings.smtp, {"ops@example.org"}, message);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::unavailable);
    CHECK(refused.error().message.find(fmt::format("SMTP server 127.0.0.1:{}: the server does not offer STARTTLS, and "
                                                   "the password is only sent over TLS",
                                                   server.port())) == 0);
    CHECK(server.messages().empty());
    settings.smtp.password.clear();
    REQUIRE(send_mail(settings.smtp, {"ops@example.org"}, message).ok());
    REQUIRE(server.messages().size() == 1);
    CHECK(server.messages()[0]["tls"] == false);
}

TEST_CASE("an SMTP server whose certificate is not trusted gets nothing") {
    SmtpServer server(kUser, kPassword);
    auto settings = smtp_settings(server);
    settings.smtp.ca_file.clear();  // the system's CAs do not know the test's self-signed certificate
    auto sent = send_mail(settings.smtp, {"ops@example.org"}, "Subject: x\r\n\r\nx\r\n");
    REQUIRE_FALSE(sent.ok());
    CHECK(sent.error().message.find(
              fmt::format("SMTP server 127.0.0.1:{}: its TLS certificate is not trusted (", server.port())) == 0);
    CHECK(server.messages().empty());
}

TEST_CASE("a FIFO as smtp_ca_file is refused at once, naming it, and nothing is sent") {
    SmtpServer server(kUser, kPassword);
    TempDir dir;
    auto settings = smtp_settings(server);
    settings.smtp.ca_file = (dir / "ca.fifo").string();
    REQUIRE(::mkfifo(settings.smtp.ca_file.c_str(), 0600) == 0);
    std::atomic<bool> done{false};
    Status sent;
    std::thread sender([&] {
        sent = send_mail(settings.smtp, {"ops@example.org"}, "Subject: x\r\n\r\nx\r\n");
        done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // libcurl stuck in open() on the FIFO is let go by a writer that opens and closes it.
    if (!done) ::close(::open(settings.smtp.ca_file.c_str(), O_WRONLY | O_NONBLOCK));
    sender.join();
    REQUIRE_MESSAGE(done.load(), "the delivery waited on a FIFO");
    REQUIRE_FALSE(sent.ok());
    CHECK(sent.error().kind == ErrorKind::invalid_input);
    CHECK(sent.error().message.find(settings.smtp.ca_file) != std::string::npos);
    CHECK(server.messages().empty());
}

TEST_CASE("an SMTP server that accepts the connection but never answers times out, once per pass") {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener, 4) == 0);
    REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    fill_store(db);
    FixedInputs inputs;
    inputs.projects["p1"] = {"one", std::nullopt};
    inputs.projects["p2"] = {"two", std::nullopt};
    ReportSettings settings;
    settings.recipients.receiver = {"ops@example.org"};
    settings.smtp.host = "127.0.0.1";
    settings.smtp.port = ntohs(addr.sin_port);
    settings.smtp.sender = kUser;
    settings.smtp.total_timeout = std::chrono::seconds(2);
    auto reports = send_due_reports(db, settings, inputs, at(kNow));
    REQUIRE(reports.ok());
    REQUIRE(reports->size() == 2);
    auto timed_out = fmt::format("SMTP server 127.0.0.1:{}: timed out", settings.smtp.port);
    for (const auto& r : *reports) {
        CHECK(r.delivery == Delivery::failed);
        CHECK(r.detail.find(timed_out) == 0);
    }
    int connections = 0;
    for (int fd; (fd = accept(listener, nullptr, nullptr)) >= 0; ++connections) close(fd);
    close(listener);
    CHECK(connections == 1);
    CHECK(testing::count_rows(db, "tasks") == 3);
}
