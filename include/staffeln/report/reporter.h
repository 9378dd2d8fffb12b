// The report pass: for each project with unreported finished tasks (and, for the conductor,
// due under report_period), gather the cloud's facts, choose recipients, render, deliver by
// SMTP (or to the log without [notification] sender_email) and, once delivered, mark the
// tasks reported (report_store.h) and record a timestamp. A project that fails is left as it was and retried
// next time; the pass goes on with the others. The conductor calls send_due_reports.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/report/digest.h"
#include "staffeln/report/inputs.h"
#include "staffeln/report/recipients.h"
#include "staffeln/report/smtp.h"
#include "staffeln/store/database.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::report {

struct ReportSettings {
    RecipientPolicy recipients;
    SmtpSettings smtp;  // smtp.sender empty: reports go to the log
    std::chrono::seconds period{86400};
    std::string template_file;  // empty: the built-in template
};

ReportSettings report_settings(const config::Config& config);

enum class Delivery { not_due, skipped, dry_run, sent, logged, failed };

struct ProjectReport {
    Digest digest;
    Recipients recipients;  // empty for reports that go to the log
    std::string subject;
    std::string html;
    std::string text;
    std::optional<TimePoint> last_report;
    Delivery delivery = Delivery::skipped;
    std::string detail;  // why skipped or failed; where it went otherwise
};

struct RunOptions {
    bool dry_run = false;      // render and choose recipients; send and write nothing
    bool only_due = true;      // false: report every project now, whatever report_period says
    std::string project_id{};  // empty: every project
    bool keep_content = true;  // false: a report keeps its outcome only, not its text and tasks
};

// Fails only when the templates or the store cannot be read; per-project problems are in
// each ProjectReport (and logged).
Result<std::vector<ProjectReport>> run_reports(store::Database& db, const ReportSettings& settings,
                                               ReportInputs& inputs, TimePoint now, const RunOptions& options);

// After a conductor cycle, which prints each project's outcome only.
inline Result<std::vector<ProjectReport>> send_due_reports(store::Database& db, const ReportSettings& settings,
                                                           ReportInputs& inputs, TimePoint now) {
    return run_reports(db, settings, inputs, now, RunOptions{.keep_content = false});
}

const char* to_string(Delivery delivery);

}  // namespace staffeln::report
