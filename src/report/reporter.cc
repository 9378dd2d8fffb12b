#include "staffeln/report/reporter.h"

#include "staffeln/email_address.h"
#include "staffeln/log.h"
#include "staffeln/report/mime.h"
#include "staffeln/report/render.h"
#include "staffeln/report/report_store.h"
#include "staffeln/report/schedule.h"
#include "staffeln/report/templates.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <ranges>
#include <string_view>

namespace staffeln::report {
namespace {

constexpr const char* kLogSender = "RecordInLog";  // upstream's sender for reports written to the log

// Everything one report pass works with.
struct Pass {
    store::Database& db;
    const ReportSettings& settings;
    const Templates& templates;
    ReportInputs& inputs;
    TimePoint now;
    const RunOptions& options;
    // Set when the SMTP server could not be reached: the projects after it are not tried
    // this pass, so one dead server costs one timeout, not one per project.
    std::optional<Error> server_down = {};
};

bool server_unreachable(const Error& error) {
    return error.kind == ErrorKind::unavailable || error.kind == ErrorKind::timeout;
}

std::string new_message_id(const std::string& sender) {
    std::random_device entropy;
    std::uniform_int_distribution<std::uint64_t> any;
    auto domain = sender.substr(sender.find('@') + 1);
    return fmt::format("<staffeln.{:016x}{:016x}@{}>", any(entropy), any(entropy),
                       domain.empty() ? "localhost" : domain);
}

ProjectReport finish(ProjectReport report, Delivery delivery, std::string why) {
    report.delivery = delivery;
    report.detail = std::move(why);
    return report;
}

// Decides who gets the report, or why nobody does this time.
Status address(ProjectReport& report, const ReportSettings& settings, ReportInputs& inputs) {
    if (settings.smtp.sender.empty()) return {};
    std::vector<std::string> members;
    if (needs_member_emails(settings.recipients)) {
        auto found = inputs.member_emails(report.digest.project_id);
        if (!found) return found.error().context("cannot read the e-mail addresses of the project's members");
        members = std::move(*found);
    }
    report.recipients = choose_recipients(settings.recipients, report.digest.project_name, members);
    if (report.recipients.addresses.empty()) return make_error(ErrorKind::not_found, report.recipients.skip_reason);
    return {};
}

Status deliver(const ProjectReport& report, const ReportSettings& settings, TimePoint now) {
    if (settings.smtp.sender.empty()) {
        // Line by line: the log escapes a line break inside a message, which would make the
        // report one unreadable line.
        log::info("report", "report for project {} ({}), [notification] sender_email unset so logged here:",
                  report.digest.project_name, report.digest.project_id);
        std::string_view text = report.text;
        if (text.ends_with('\n')) text.remove_suffix(1);
        for (const auto line : std::views::split(text, '\n'))
            log::info("report", "{} | {}", report.digest.project_id, std::string_view(line.begin(), line.end()));
        return {};
    }
    MailMessage mail{settings.smtp.sender,
                     report.recipients.addresses,
                     report.subject,
                     report.text,
                     report.html,
                     now,
                     new_message_id(settings.smtp.sender)};
    return send_mail(settings.smtp, report.recipients.addresses, compose_mime(mail));
}

ProjectReport deliver_and_record(Pass& pass, ProjectReport report) {
    const auto& settings = pass.settings;
    auto sent = pass.server_down ? Status(*pass.server_down) : deliver(report, settings, pass.now);
    if (!sent) {
        if (server_unreachable(sent.error())) pass.server_down = sent.error();
        log::warning("report", "report for project {} not delivered, its tasks are kept for the next try: {}",
                     report.digest.project_id, sent.error().message);
        return finish(std::move(report), Delivery::failed, sent.error().message);
    }
    bool logged = settings.smtp.sender.empty();
    Delivered delivered{report.digest.project_id, report.digest.task_ids, logged ? kLogSender : settings.smtp.sender,
                        pass.now, purge_timestamps_before(pass.now, settings.period)};
    if (auto recorded = record_delivery(pass.db, delivered); !recorded) {
        log::error("report", "report for project {} went out but was not recorded, so it will go out again: {}",
                   report.digest.project_id, recorded.error().message);
        return finish(std::move(report), Delivery::failed, recorded.error().message);
    }
    report.delivery = logged ? Delivery::logged : Delivery::sent;
    report.detail =
        logged ? "written to the log" : fmt::format("sent to {}", fmt::join(report.recipients.addresses, ", "));
    log::info("report", "report for project {} {} (tasks reported: {})", report.digest.project_id, report.detail,
              report.digest.task_ids.size());
    return report;
}

ProjectReport report_project(Pass& pass, const std::string& project_id, const std::vector<FinishedTask>& tasks) {
    ProjectReport report;
    report.digest = build_digest(project_id, project_id, tasks, std::nullopt, pass.now);
    auto last = last_report_time(pass.db, project_id, pass.now);
    if (!last) return finish(std::move(report), Delivery::skipped, last.error().message);
    report.last_report = *last;
    if (pass.options.only_due && !is_report_due(*last, pass.now, pass.settings.period))
        return finish(std::move(report), Delivery::not_due, fmt::format("last report at {}", format_time(**last)));
    auto facts = pass.inputs.project(project_id);
    if (!facts) {
        log::warning("report", "report for project {} skipped this time: {}", project_id, facts.error().message);
        return finish(std::move(report), Delivery::skipped, facts.error().message);
    }
    auto missing = missing_dr_records(pass.db, project_id);
    if (!missing) return finish(std::move(report), Delivery::skipped, missing.error().message);
    report.digest = build_digest(project_id, facts->name, tasks, facts->backup_quota, pass.now, std::move(*missing));
    report.digest.out_of_scope = facts->out_of_scope;
    report.subject = subject_for(report.digest);
    report.html = render(report.digest, pass.templates.html);
    report.text = render(report.digest, pass.templates.text);
    if (auto addressed = address(report, pass.settings, pass.inputs); !addressed) {
        log::warning("report", "report for project {} skipped this time: {}", project_id, addressed.error().message);
        return finish(std::move(report), Delivery::skipped, addressed.error().message);
    }
    if (pass.options.dry_run)
        return finish(std::move(report), Delivery::dry_run,
                      pass.settings.smtp.sender.empty()
                          ? "would be written to the log: [notification] sender_email is not set"
                          : fmt::format("would be sent to {}", fmt::join(report.recipients.addresses, ", ")));
    return deliver_and_record(pass, std::move(report));
}

}  // namespace

ReportSettings report_settings(const config::Config& config) {
    const auto& n = config.notification;
    ReportSettings settings;
    settings.recipients = RecipientPolicy{n.receiver, n.project_receiver_domain};
    settings.smtp.host = n.smtp_server_domain;
    settings.smtp.port = static_cast<long>(n.smtp_server_port);
    settings.smtp.sender = n.sender_email;
    settings.smtp.password = n.sender_pwd;
    settings.smtp.ca_file = n.smtp_ca_file;
    settings.period = std::chrono::seconds(config.conductor.report_period);
    settings.template_file = n.template_file;
    return settings;
}

Result<std::vector<ProjectReport>> run_reports(store::Database& db, const ReportSettings& settings,
                                               ReportInputs& inputs, TimePoint now, const RunOptions& options) {
    if (!settings.smtp.sender.empty() && !is_plain_address(settings.smtp.sender))
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("[notification] sender_email '{}' is not an e-mail address", settings.smtp.sender));
    auto templates = load_templates(settings.template_file);
    if (!templates) return templates.error();
    auto projects = unreported_projects(db, options.project_id);
    if (!projects) return projects.error();
    Pass pass{db, settings, *templates, inputs, now, options};
    std::vector<ProjectReport> reports;
    // A project's tasks at a time: 20,000 finished tasks at once, and every report's text and
    // tasks kept, made the reports the conductor's peak of memory.
    for (const auto& project_id : *projects) {
        auto tasks = unreported_tasks(db, project_id);
        if (!tasks) return tasks.error();
        auto report = report_project(pass, project_id, *tasks);
        if (!options.keep_content) {
            report.html = {};
            report.text = {};
            report.digest.succeeded = {};
            report.digest.failed = {};
            report.digest.task_ids = {};
        }
        reports.push_back(std::move(report));
    }
    return reports;
}

const char* to_string(Delivery delivery) {
    switch (delivery) {
        case Delivery::not_due:
            return "not due";
        case Delivery::skipped:
            return "skipped";
        case Delivery::dry_run:
            return "dry run";
        case Delivery::sent:
            return "sent";
        case Delivery::logged:
            return "logged";
        case Delivery::failed:
            return "failed";
    }
    return "failed";
}

}  // namespace staffeln::report
