// The report's pure core: digest, quota view, recipient rules, due-ness, templates,
// rendering (escaping, UTF-8) and the MIME message. Plain values in, plain values out.
#include "staffeln/email_address.h"
#include "staffeln/report/digest.h"
#include "staffeln/report/mime.h"
#include "staffeln/report/recipients.h"
#include "staffeln/report/render.h"
#include "staffeln/report/schedule.h"
#include "staffeln/report/smtp.h"
#include "staffeln/report/templates.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace staffeln;
using namespace staffeln::report;
using namespace std::chrono_literals;

namespace {

TimePoint at(std::int64_t unix_seconds) { return TimePoint(std::chrono::seconds(unix_seconds)); }

FinishedTask task(std::string id, std::string project, core::TaskStatus status, std::int64_t updated) {
    FinishedTask t;
    t.id = std::move(id);
    t.project_id = std::move(project);
    t.volume_id = "vol-" + t.id;
    t.volume_name = "volume " + t.id;
    t.server_id = "srv-" + t.id;
    t.server_name = "server " + t.id;
    t.backup_id = status == core::TaskStatus::succeeded ? "bak-" + t.id : "";
    t.status = status;
    t.last_error = status == core::TaskStatus::succeeded ? "" : "Cinder refused";
    t.created_at = at(updated - 60);
    t.updated_at = at(updated);
    return t;
}

Templates defaults() {
    auto loaded = load_templates("");
    REQUIRE(loaded.ok());
    return *loaded;
}

}  // namespace

TEST_CASE("a digest keeps its project's tasks, successes and failures apart, oldest first") {
    std::vector<FinishedTask> tasks{
        task("b", "p1", core::TaskStatus::succeeded, 200), task("a", "p1", core::TaskStatus::succeeded, 100),
        task("c", "p1", core::TaskStatus::failed, 150), task("d", "p1", core::TaskStatus::cancelled, 120),
        task("e", "p2", core::TaskStatus::succeeded, 100)};
    auto digest = build_digest("p1", "Project One", tasks, QuotaUsage{100, 10, 0}, at(1000));
    REQUIRE(digest.succeeded.size() == 2);
    CHECK(digest.succeeded[0].id == "a");
    CHECK(digest.succeeded[1].id == "b");
    REQUIRE(digest.failed.size() == 2);
    CHECK(digest.failed[0].id == "d");
    CHECK(digest.failed[1].id == "c");
    CHECK(digest.task_ids == std::vector<std::string>{"b", "a", "c", "d"});
    CHECK(digest.project_name == "Project One");
    CHECK(build_digest("p3", "none", tasks, std::nullopt, at(0)).task_ids.empty());
}

TEST_CASE("the report shows the quota level the core computed, and unknown when the cloud did not say") {
    struct Row {
        QuotaUsage usage;
        const char* level;
        const char* line;
    };
    for (const auto& row :
         {Row{{100, 40, 0}, "ok", "usage: 40.0 % (ok)"}, Row{{100, 40, 11}, "warning", "usage: 51.0 % (warning)"},
          Row{{100, 79, 2}, "critical", "usage: 81.0 % (critical)"}}) {
        CAPTURE(row.level);
        auto digest = build_digest("p", "p", {task("a", "p", core::TaskStatus::succeeded, 1)}, row.usage, at(9));
        CHECK(quota_level(digest.quota) == row.level);
        CHECK(render(digest, defaults().text).find(row.line) != std::string::npos);
        CHECK(render(digest, defaults().html).find(fmt::format("<p class=\"quota-{}\">", row.level)) !=
              std::string::npos);
        CHECK(to_json(digest)["quota"]["level"] == row.level);
    }
    auto unknown = build_digest("p", "p", {task("a", "p", core::TaskStatus::succeeded, 1)}, std::nullopt, at(9));
    CHECK(quota_level(unknown.quota) == "unknown");
    CHECK(render(unknown, defaults().text).find("Quota usage is not known.") != std::string::npos);
}

TEST_CASE("a quota limit of -1 or 0 is unlimited and never divided by") {
    for (std::int64_t limit : {-1, 0}) {
        CAPTURE(limit);
        auto digest = build_digest("p", "p", {}, QuotaUsage{limit, 500, 20}, at(9));
        CHECK(quota_level(digest.quota) == "unlimited");
        CHECK_FALSE(to_json(digest)["quota"].contains("usage_percent"));
        auto text = render(
            build_digest("p", "p", {task("a", "p", core::TaskStatus::succeeded, 1)}, QuotaUsage{limit, 500, 20}, at(9)),
            defaults().text);
        CHECK(text.find("Limit: unlimited, in use: 500 GB, reserved: 20 GB") != std::string::npos);
        CHECK(text.find("inf") == std::string::npos);
        CHECK(text.find("nan") == std::string::npos);
    }
}

TEST_CASE("recipients: [notification] receiver wins over everything") {
    RecipientPolicy policy{{"b@example.org", "a@example.org", "b@example.org"}, "example.com"};
    CHECK_FALSE(needs_member_emails(policy));
    auto r = choose_recipients(policy, "proj", {"member@example.net"});
    CHECK(r.source == RecipientSource::receiver);
    CHECK(r.addresses == std::vector<std::string>{"a@example.org", "b@example.org"});
    CHECK(r.skip_reason.empty());
}

TEST_CASE("recipients: the project name at project_receiver_domain when no receiver is set") {
    RecipientPolicy policy{{}, "customers.example.com"};
    CHECK_FALSE(needs_member_emails(policy));
    auto r = choose_recipients(policy, "acme-prod", {"member@example.net"});
    CHECK(r.source == RecipientSource::project_domain);
    CHECK(r.addresses == std::vector<std::string>{"acme-prod@customers.example.com"});
    auto bad = choose_recipients(policy, "Acme <prod>", {});
    CHECK(bad.addresses.empty());
    CHECK(bad.skip_reason ==
          "project name 'Acme <prod>' with [notification] project_receiver_domain "
          "'customers.example.com' does not make an e-mail address");
}

TEST_CASE("recipients: the members' e-mail addresses when neither receiver nor domain is set") {
    RecipientPolicy policy;
    CHECK(needs_member_emails(policy));
    auto r =
        choose_recipients(policy, "proj", {"zoe@example.net", "", "bad address", "al@example.net", "zoe@example.net"});
    CHECK(r.source == RecipientSource::project_members);
    CHECK(r.addresses == std::vector<std::string>{"al@example.net", "zoe@example.net"});
}

// Issue 20: a project name of 10,000 characters at project_receiver_domain made a 10,022-character
// To line (RFC 5322 2.1.1 allows 998), and an address no SMTP server takes.
TEST_CASE("recipients: an address beyond SMTP's limits is not used, so no To line passes 998 characters") {
    std::string local(64, 'l');
    auto domain_of = [](std::size_t chars) { return std::string(chars - 8, 'd') + ".example"; };
    CHECK(is_plain_address(local + "@example.org"));
    CHECK_FALSE(is_plain_address(local + "l@example.org"));  // a local part over 64 (RFC 5321 4.5.3.1.1)
    CHECK(is_plain_address("a@" + domain_of(252)));
    CHECK_FALSE(is_plain_address("a@" + domain_of(253)));  // over 254 in all (4.5.3.1.3: a path of 256)
    RecipientPolicy by_domain{{}, "customers.example.com"};
    auto long_name = choose_recipients(by_domain, std::string(10'000, 'p'), {});
    CHECK(long_name.addresses.empty());
    CHECK(long_name.source == RecipientSource::none);
    auto members = choose_recipients(RecipientPolicy{}, "proj",
                                     {local + "l@example.net", "al@example.net", "al@" + std::string(300, 'd')});
    CHECK(members.addresses == std::vector<std::string>{"al@example.net"});

    auto longest = local + "@" + domain_of(189);
    REQUIRE(is_plain_address(longest));
    MailMessage mail{"staffeln@example.org", {longest, longest + "x"}, "Backup report",      "text",
                     "<p>html</p>",          at(1'763'786'000),        "<id123@example.org>"};
    auto mime = compose_mime(mail);
    for (std::size_t start = 0, end; (end = mime.find("\r\n", start)) != std::string::npos; start = end + 2)
        CHECK(end - start <= 998);
}

TEST_CASE("recipients: no address at all skips the project this time with the reason") {
    auto r = choose_recipients(RecipientPolicy{}, "proj", {});
    CHECK(r.addresses.empty());
    CHECK(r.source == RecipientSource::none);
    CHECK(r.skip_reason ==
          "no [notification] receiver or project_receiver_domain is set and no member of the "
          "project has an e-mail address");
    auto injected = choose_recipients(RecipientPolicy{{"ops@example.org\r\nBcc: x@evil.example"}, ""}, "p", {});
    CHECK(injected.addresses.empty());
}

TEST_CASE("a report is due when none went out within report_period") {
    auto now = at(100'000);
    CHECK(is_report_due(std::nullopt, now, 3600s));
    CHECK(is_report_due(at(100'000 - 3600), now, 3600s));
    CHECK_FALSE(is_report_due(at(100'000 - 3599), now, 3600s));
    CHECK(purge_timestamps_before(now, 3600s) == at(100'000 - 36'000));
}

TEST_CASE("the built-in templates are valid Mustache") { CHECK(load_templates("").ok()); }

TEST_CASE("malformed templates are refused with their line") {
    struct Row {
        const char* text;
        const char* message;
    };
    for (const auto& row : {
             Row{"a\n{{#x}}\nb", "report template t.html: section 'x' is never closed"},
             Row{"{{/x}}", "report template t.html:1: {{/x}} closes a section that was never opened"},
             Row{"{{#a}}\n{{/b}}", "report template t.html:2: {{/b}} closes section 'a'"},
             Row{"x\ny {{name", "report template t.html:2: tag opened with {{ is never closed"},
             Row{"{{{server_name}}}",
                 "report template t.html:1: unescaped tag for 'server_name' would insert cloud "
                 "values as HTML; use {{server_name}}"},
             Row{"{{& reason}}",
                 "report template t.html:1: unescaped tag for 'reason' would insert cloud values as "
                 "HTML; use {{reason}}"},
             Row{"{{> footer}}", "report template t.html:1: partials ({{>footer}}) are not supported"},
             Row{"{{=<% %>=}}", "report template t.html:1: changing the delimiters is not supported"},
             Row{" \n", "report template t.html is empty"},
         }) {
        CAPTURE(row.text);
        auto checked = validate_template(row.text, "t.html", Markup::html);
        REQUIRE_FALSE(checked.ok());
        CHECK(checked.error().kind == ErrorKind::invalid_input);
        CHECK(checked.error().message == row.message);
    }
    CHECK(validate_template("{{{server_name}}}", "t.txt", Markup::text).ok());
}

TEST_CASE("every cloud value is HTML-escaped in the HTML and left as it is in the text") {
    auto t = task("a", "p", core::TaskStatus::failed, 100);
    t.server_name = "<script>alert('x')</script>";
    t.volume_name = "a & b \"quoted\"";
    t.last_error = "<b>bold</b>";
    auto digest = build_digest("p", "<img src=x>", {t}, QuotaUsage{100, 1, 0}, at(200));
    auto html = render(digest, defaults().html);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("<b>bold") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2F;script&gt;") != std::string::npos);
    CHECK(html.find("a &amp; b &quot;quoted&quot;") != std::string::npos);
    auto text = render(digest, defaults().text);
    CHECK(text.find("server <script>alert('x')</script> (srv-a)") != std::string::npos);
    CHECK(text.find("failed: <b>bold</b>") != std::string::npos);
}

TEST_CASE("control characters in cloud values are escaped in the text and the HTML report") {
    auto t = task("a", "p", core::TaskStatus::failed, 100);
    t.server_name = "web\nfake line\x1b[2J";
    t.volume_name = "vol\rume";
    t.last_error = "bad\x07 reason";
    auto digest = build_digest("p", "proj\nect", {t}, QuotaUsage{100, 1, 0}, at(200));
    auto templates = defaults();
    for (const auto& template_text : {templates.text, templates.html}) {
        auto out = render(digest, template_text);
        CHECK(out.find('\x1b') == std::string::npos);
        CHECK(out.find('\x07') == std::string::npos);
        CHECK(out.find('\r') == std::string::npos);
        CHECK(out.find("\nfake line") == std::string::npos);
        CHECK(out.find("web\\nfake line\\x1b[2J") != std::string::npos);
    }
    auto text = render(digest, defaults().text);
    CHECK(text.find("Backup report for project proj\\nect\n") != std::string::npos);
    CHECK(text.find("server web\\nfake line\\x1b[2J (srv-a), volume vol\\rume (") != std::string::npos);
    CHECK(text.find("failed: bad\\x07 reason,") != std::string::npos);
}

TEST_CASE("UTF-8 names survive rendering byte for byte") {
    auto t = task("a", "p", core::TaskStatus::succeeded, 100);
    t.server_name = "Größe-сервер-服务器-🚀";
    auto digest = build_digest("p", "Projekt Ärger", {t}, std::nullopt, at(200));
    CHECK(render(digest, defaults().html).find("Größe-сервер-服务器-🚀") != std::string::npos);
    CHECK(render(digest, defaults().text).find("Projekt Ärger") != std::string::npos);
    CHECK(to_json(digest).dump().find("Größe-сервер-服务器-🚀") != std::string::npos);
    CHECK(subject_for(digest) == "Staffeln backup report: Projekt Ärger (p)");
}

TEST_CASE("the text report lists backups with kind, ids and times, and quota with its level") {
    auto ok = task("a", "p", core::TaskStatus::succeeded, 1'763'786'000);
    ok.kind = core::BackupKind::incremental;
    auto digest = build_digest("p", "proj", {ok}, QuotaUsage{200, 150, 20}, at(1'763'790'000));
    auto text = render(digest, defaults().text);
    CHECK(text.find("Limit: 200 GB, in use: 150 GB, reserved: 20 GB, usage: 85.0 % (critical)") != std::string::npos);
    CHECK(
        text.find("- server server a (srv-a), volume volume a (vol-a)\n"
                  "  backup bak-a, incremental, started 2025-11-22 04:32:20 UTC, finished 2025-11-22 04:33:20 UTC\n") !=
        std::string::npos);
    CHECK(text.find("Failed backups (0)\n  None.\n") != std::string::npos);
    CHECK(render(digest, defaults().html).find("<p class=\"quota-critical\">") != std::string::npos);
}

TEST_CASE("a report lists the backups whose disaster-recovery record is still missing, only when there are any") {
    auto ok = task("a", "p", core::TaskStatus::succeeded, 1'763'786'000);
    auto plain = build_digest("p", "proj", {ok}, std::nullopt, at(1'763'790'000));
    CHECK(render(plain, defaults().text).find("disaster-recovery") == std::string::npos);
    CHECK(render(plain, defaults().html).find("disaster-recovery") == std::string::npos);
    CHECK(to_json(plain)["disaster_recovery_not_fetched"].empty());

    MissingDrRecord missing{"bak-a", "vol-a", "volume\na", "HTTP 403: Policy doesn't allow backup:export-import", 3};
    auto digest = build_digest("p", "proj", {ok}, std::nullopt, at(1'763'790'000), {missing});
    auto text = render(digest, defaults().text);
    CHECK(text.find("Backups without a disaster-recovery record yet (1), retried each cycle\n"
                    "- backup bak-a of volume volume\\na (vol-a): HTTP 403: Policy doesn't allow "
                    "backup:export-import (3 attempts)\n") != std::string::npos);
    auto html = render(digest, defaults().html);
    CHECK(html.find("<td>bak-a</td><td>volume\\na<br><small>vol-a</small></td><td>HTTP 403: Policy doesn&#39;t "
                    "allow backup:export-import</td><td>3</td>") != std::string::npos);
    CHECK(to_json(digest)["disaster_recovery_not_fetched"][0]["attempts"] == 3);
}

TEST_CASE("a MIME message is multipart/alternative, CRLF only, base64 lines of 76") {
    MailMessage mail{"staffeln@example.org",
                     {"a@example.org", "b@example.org"},
                     "Backup report",
                     std::string(300, 'x') + "\nline2\n",
                     "<p>hi</p>",
                     at(1'763'786'000),
                     "<id123@example.org>"};
    auto mime = compose_mime(mail);
    CHECK(mime.find("From: Staffeln <staffeln@example.org>\r\n") == 0);
    CHECK(mime.find("\r\nTo: a@example.org,\r\n b@example.org\r\n") != std::string::npos);
    CHECK(mime.find("\r\nSubject: Backup report\r\n") != std::string::npos);
    CHECK(mime.find("\r\nDate: Sat, 22 Nov 2025 04:33:20 +0000\r\n") != std::string::npos);
    CHECK(mime.find("\r\nMessage-ID: <id123@example.org>\r\n") != std::string::npos);
    CHECK(mime.find("Content-Type: multipart/alternative;\r\n boundary=\"=_staffeln_id123exampleorg\"\r\n") !=
          std::string::npos);
    CHECK(mime.find("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n") !=
          std::string::npos);
    CHECK(mime.find("Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n") !=
          std::string::npos);
    CHECK(mime.ends_with("\r\n--=_staffeln_id123exampleorg--\r\n"));
    std::size_t longest = 0;
    for (std::size_t start = 0, end; (end = mime.find("\r\n", start)) != std::string::npos; start = end + 2)
        longest = std::max(longest, end - start);
    CHECK(longest <= 78);
    auto without_crlf = mime;
    for (auto p = without_crlf.find("\r\n"); p != std::string::npos; p = without_crlf.find("\r\n", p))
        without_crlf.erase(p, 2);
    CHECK(without_crlf.find('\n') == std::string::npos);
    CHECK(without_crlf.find('\r') == std::string::npos);
}

TEST_CASE("a UTF-8 subject becomes RFC 2047 encoded words split between characters") {
    CHECK(encode_subject("plain ASCII") == "plain ASCII");
    CHECK(encode_subject("Größe") == "=?UTF-8?B?R3LDtsOfZQ==?=");
    CHECK(encode_subject("bad\r\nBcc: x") == "=?UTF-8?B?YmFkDQpCY2M6IHg=?=");
    std::string long_subject;
    for (int i = 0; i < 40; ++i) long_subject += "ü";
    auto encoded = encode_subject(long_subject);
    // 80 bytes in words of at most 39: 38 (39 would cut a character in half), 38, then 4.
    CHECK(encoded == "=?UTF-8?B?" + base64_lines(long_subject.substr(0, 38)).substr(0, 52) + "?=\r\n =?UTF-8?B?" +
                         base64_lines(long_subject.substr(38, 38)).substr(0, 52) + "?=\r\n =?UTF-8?B?" +
                         base64_lines(long_subject.substr(76)).substr(0, 8) + "?=");
    for (std::size_t start = 0, end; start < encoded.size(); start = end + 3) {
        end = std::min(encoded.find("\r\n ", start), encoded.size());
        CHECK(end - start <= 76 - 9);
    }
}

TEST_CASE("a long ASCII subject is folded before spaces and unfolds to itself") {
    std::string subject = "Staffeln backup report:";
    for (int i = 0; i < 40; ++i) subject += " word" + std::to_string(i);
    auto folded = encode_subject(subject);
    CHECK(folded.find("=?") == std::string::npos);
    auto unfolded = folded;
    for (auto p = unfolded.find("\r\n"); p != std::string::npos; p = unfolded.find("\r\n", p)) unfolded.erase(p, 2);
    CHECK(unfolded == subject);
    std::size_t column = 9;  // "Subject: "
    for (std::size_t start = 0, end; start < folded.size(); start = end + 2, column = 0) {
        end = std::min(folded.find("\r\n", start), folded.size());
        CHECK(column + end - start <= 78);
        if (start > 0) CHECK(folded[start] == ' ');
    }
}

TEST_CASE("a 10,000-character project name gives a Subject of bounded length in lines of at most 78") {
    auto digest = build_digest("36c9253a0e304fb4ab70dcd8b616c0f9", std::string(10'000, 'x'), {}, std::nullopt, at(200));
    auto subject = subject_for(digest);
    CHECK(subject == "Staffeln backup report: " + std::string(199, 'x') + "\u2026 (36c9253a0e304fb4ab70dcd8b616c0f9)");
    digest.project_name = std::string(9'999, 'y') + "\u00e4";
    CHECK(subject_for(digest) ==
          "Staffeln backup report: " + std::string(199, 'y') + "\u2026 (36c9253a0e304fb4ab70dcd8b616c0f9)");
    digest.project_name = std::string(200, 'z');
    CHECK(subject_for(digest) ==
          "Staffeln backup report: " + std::string(200, 'z') + " (36c9253a0e304fb4ab70dcd8b616c0f9)");

    for (const auto& name : {std::string(10'000, 'x'), std::string(5'000, 'a') + " " + std::string(5'000, 'b')}) {
        digest.project_name = name;
        MailMessage mail{"staffeln@example.org", {"a@example.org"}, subject_for(digest),  "text",
                         "<p>html</p>",          at(1'763'786'000), "<id123@example.org>"};
        auto mime = compose_mime(mail);
        auto header = mime.substr(0, mime.find("\r\n\r\n"));
        auto from = header.find("\r\nSubject: ") + 2;
        auto to = header.find("\r\nDate: ");
        CHECK(to - from < 500);  // 258 ASCII bytes, in encoded words of 64 characters
        for (std::size_t start = 0, end; (end = mime.find("\r\n", start)) != std::string::npos; start = end + 2)
            CHECK(end - start <= 78);
    }
    // Straight to the encoder, without the subject's bound: encoded words, every line within 78.
    auto encoded = encode_subject(std::string(10'000, 'x'));
    for (std::size_t start = 0, end; start < encoded.size(); start = end + 2) {
        end = std::min(encoded.find("\r\n", start), encoded.size());
        CHECK(end - start <= 78 - 9);
    }
}

// Issue 20: the subject carried a project name's control characters as they were (encoded, but a
// mail client decodes them): a line break or an escape code, as the text report no longer does.
TEST_CASE("control characters in the project name are escaped in the subject as in the text report") {
    Digest digest;
    digest.project_id = "p\x1b[2J";
    digest.project_name =
        "acme\r\nBcc: x@evil.example \xc2\x9b"
        "31m";
    CHECK(subject_for(digest) == "Staffeln backup report: acme\\r\\nBcc: x@evil.example \\u009b31m (p\\x1b[2J)");
    digest.project_name = std::string(199, 'n') + "\n";  // escaped before the 200-character bound
    CHECK(subject_for(digest) == "Staffeln backup report: " + std::string(199, 'n') + "\u2026 (p\\x1b[2J)");
}

TEST_CASE("base64 lines follow RFC 2045") {
    CHECK(base64_lines("") == "");
    CHECK(base64_lines("f") == "Zg==\r\n");
    CHECK(base64_lines("fo") == "Zm8=\r\n");
    CHECK(base64_lines("foo") == "Zm9v\r\n");
    CHECK(base64_lines(std::string(57, 'a')).size() == 76 + 2);
    CHECK(base64_lines(std::string(58, 'a')).size() == 76 + 2 + 4 + 2);
}

TEST_CASE("port 465 means implicit TLS, any other port plain SMTP upgraded by STARTTLS") {
    SmtpSettings s;
    s.host = "mail.example.org";
    s.port = 465;
    CHECK(smtp_url(s) == "smtps://mail.example.org:465");
    s.port = 587;
    CHECK(smtp_url(s) == "smtp://mail.example.org:587");
    s.host = "::1";
    s.port = 25;
    CHECK(smtp_url(s) == "smtp://[::1]:25");
}

TEST_CASE("a report of a project outside the project scope says so, and says nothing of scope otherwise") {
    auto ok = task("a", "p", core::TaskStatus::succeeded, 1'763'786'000);
    auto plain = build_digest("p", "proj", {ok}, std::nullopt, at(1'763'790'000));
    CHECK(render(plain, defaults().text).find("scope") == std::string::npos);
    CHECK(render(plain, defaults().html).find("scope") == std::string::npos);
    CHECK(to_json(plain)["out_of_scope"].is_null());

    auto digest = plain;
    digest.out_of_scope = "excluded by exclude_projects ('proj')";
    CHECK(render(digest, defaults().text)
              .find("Generated at 2025-11-22 05:40:00 UTC\n\nThis project is outside staffeln's scope (excluded by "
                    "exclude_projects ('proj')): its servers are no longer backed up and its backups are not "
                    "rotated.\n\nQuota usage") != std::string::npos);
    CHECK(render(digest, defaults().html)
              .find("<p>This project is outside staffeln's scope (excluded by exclude_projects (&#39;proj&#39;)): its "
                    "servers are no longer backed up and its backups are not rotated.</p>") != std::string::npos);
    CHECK(to_json(digest)["out_of_scope"] == "excluded by exclude_projects ('proj')");
}

TEST_CASE("a report lists each server set as one line with its volumes and data time, and says why one is partial") {
    auto member = [](std::string id, std::string set, core::TaskStatus status, std::int64_t data_time) {
        auto t = task(id, "p", status, 1'763'786'000);
        t.server_id = "srv-web";
        t.server_name = "web-1";
        t.set_id = std::move(set);
        t.set_mode = core::BackupMode::snapshot;
        t.set_volumes = 2;
        if (status == core::TaskStatus::succeeded) t.data_time = at(data_time);
        return t;
    };
    auto root = member("root", "s1", core::TaskStatus::succeeded, 1'763'785'900);
    auto data = member("data", "s1", core::TaskStatus::succeeded, 1'763'785'900);
    auto digest = build_digest("p", "proj", {root, data}, std::nullopt, at(1'763'790'000));
    REQUIRE(digest.sets.size() == 1);
    auto text = render(digest, defaults().text);
    CHECK(text.find("Server sets (1): the backups of one server's volumes from one cycle\n"
                    "- server web-1 (srv-web), snapshot mode, 2 volumes: volume data (vol-data), volume root "
                    "(vol-root); data time 2025-11-22 04:31:40 UTC; complete\n") != std::string::npos);
    CHECK(to_json(digest)["server_sets"][0]["partial"] == false);
    CHECK(to_json(digest)["server_sets"][0]["spread_seconds"] == 0);

    // The other volume's snapshot was refused: backed up straight from the volume, a minute later.
    data.last_error = "snapshot refused (413); backed up straight from the volume";
    data.data_time = at(1'763'785'960);
    auto fallback = build_digest("p", "proj", {root, data}, std::nullopt, at(1'763'790'000));
    text = render(fallback, defaults().text);
    CHECK(
        text.find("; data time 2025-11-22 04:31:40 UTC to 2025-11-22 04:32:40 UTC (spread 60 s); partial:\n"
                  "    volume volume data (vol-data): snapshot refused (413); backed up straight from the volume\n") !=
        std::string::npos);
    auto html = render(fallback, defaults().html);
    CHECK(html.find("<span class=\"failed\">partial:</span><br>volume volume data (vol-data): snapshot refused (413); "
                    "backed up straight from the volume</td>") != std::string::npos);
    auto json = to_json(fallback)["server_sets"][0];
    CHECK(json["partial"] == true);
    CHECK(json["spread_seconds"] == 60);
    CHECK(json["volumes"][0]["gap"] == "snapshot refused (413); backed up straight from the volume");

    // One volume failed, the other has no finished task: two reasons.
    auto failed = member("data", "s1", core::TaskStatus::failed, 0);
    auto lone = build_digest("p", "proj", {failed}, std::nullopt, at(1'763'790'000));
    text = render(lone, defaults().text);
    CHECK(text.find("; no data time; partial:\n    volume volume data (vol-data): failed: Cinder refused\n"
                    "    1 of its 2 volumes has no finished backup in this set") != std::string::npos);
}

TEST_CASE("a report without finished tasks has no server sets section") {
    auto digest = build_digest("p", "proj", {}, std::nullopt, at(1'763'790'000));
    CHECK(render(digest, defaults().text).find("Server sets") == std::string::npos);
    CHECK(render(digest, defaults().html).find("Server sets") == std::string::npos);
    CHECK(to_json(digest)["server_sets"].empty());
}
