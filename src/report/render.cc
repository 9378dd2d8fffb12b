#include "staffeln/report/render.h"

#include "staffeln/text_safety.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mstch/mstch.hpp>

namespace staffeln::report {
namespace {

// The subject names the project within these bounds whatever the cloud holds: a name of
// 10,000 characters would make a header line no mail system takes.
constexpr std::size_t kSubjectNameChars = 200;
constexpr std::size_t kSubjectIdChars = 64;  // Keystone's ids have at most 64

// text cut to max_chars characters (UTF-8), its last one an ellipsis, when it is longer.
std::string shortened(std::string_view text, std::size_t max_chars) {
    std::size_t chars = 0;
    std::size_t cut = text.size();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (chars == max_chars - 1) cut = i;
        if (++chars > max_chars) return std::string(text.substr(0, cut)) + "\u2026";
    }
    return std::string(text);
}

std::string number(std::int64_t n) { return std::to_string(n); }

std::string percent(double p) { return fmt::format("{:.1f}", p); }

mstch::map quota_context(const std::optional<core::QuotaLine>& quota) {
    auto level = quota_level(quota);
    mstch::map context{{"css_class", "quota-" + level},
                       {"level", level},
                       {"limited", quota && quota->ratio.has_value()},
                       {"unlimited", quota && !quota->ratio},
                       {"unknown", !quota}};
    if (quota) {
        context.emplace("limit", number(quota->usage.limit));
        context.emplace("in_use", number(quota->usage.in_use));
        context.emplace("reserved", number(quota->usage.reserved));
        context.emplace("usage_percent", percent(100.0 * quota->ratio.value_or(0)));
    }
    return context;
}

// The cloud's values with their control characters escaped: a newline in a server name must not
// add a line to the report, nor an escape code reach the terminal that shows it.
mstch::map task_context(const FinishedTask& task) {
    return mstch::map{{"task_id", task.id},
                      {"volume_id", escape_control_chars(task.volume_id)},
                      {"volume_name", escape_control_chars(task.volume_name)},
                      {"server_id", escape_control_chars(task.server_id)},
                      {"server_name", escape_control_chars(task.server_name)},
                      {"backup_id", escape_control_chars(task.backup_id)},
                      {"kind", std::string(core::to_string(task.kind))},
                      {"outcome", std::string(core::to_string(task.status))},
                      {"reason", escape_control_chars(task.last_error)},
                      {"created_at", format_time(task.created_at)},
                      {"updated_at", format_time(task.updated_at)}};
}

mstch::array tasks_context(const std::vector<FinishedTask>& tasks) {
    mstch::array list;
    for (const auto& task : tasks) list.emplace_back(task_context(task));
    return list;
}

nlohmann::json task_json(const FinishedTask& task) {
    return {{"task_id", task.id},
            {"volume_id", task.volume_id},
            {"volume_name", task.volume_name},
            {"server_id", task.server_id},
            {"server_name", task.server_name},
            {"backup_id", task.backup_id},
            {"kind", core::to_string(task.kind)},
            {"outcome", core::to_string(task.status)},
            {"reason", task.last_error},
            {"created_at", format_time(task.created_at)},
            {"updated_at", format_time(task.updated_at)}};
}

mstch::array missing_context(const std::vector<MissingDrRecord>& missing) {
    mstch::array list;
    for (const auto& m : missing)
        list.emplace_back(mstch::map{{"backup_id", escape_control_chars(m.backup_id)},
                                     {"volume_id", escape_control_chars(m.volume_id)},
                                     {"volume_name", escape_control_chars(m.volume_name)},
                                     {"reason", escape_control_chars(m.last_error)},
                                     {"attempts", number(m.attempts)}});
    return list;
}

std::string volume_label(const core::SetVolume& v) {
    return v.volume_name.empty() ? v.volume_id : fmt::format("{} ({})", v.volume_name, v.volume_id);
}

std::string set_volumes(const core::ServerSet& set) {
    std::vector<std::string> labels;
    for (const auto& v : set.volumes) labels.push_back(volume_label(v));
    return fmt::format("{}", fmt::join(labels, ", "));
}

std::string set_mode(const core::ServerSet& set) {
    return set.mode ? fmt::format("{} mode", core::to_string(*set.mode)) : std::string("mode not recorded");
}

// "data time 2026-11-22 04:35:26 UTC" when the backups share it, else the range and its spread.
std::string set_data_time(const core::ServerSet& set) {
    auto spread = core::data_spread(set);
    if (!spread) return "no data time";
    if (spread->count() == 0) return "data time " + format_time(*set.data_from);
    return fmt::format("data time {} to {} (spread {} s)", format_time(*set.data_from), format_time(*set.data_to),
                       spread->count());
}

mstch::array sets_context(const std::vector<core::ServerSet>& sets) {
    mstch::array list;
    for (const auto& set : sets) {
        mstch::array reasons;
        for (const auto& r : set.reasons) reasons.emplace_back(mstch::map{{"reason", escape_control_chars(r)}});
        list.emplace_back(mstch::map{{"server_name", escape_control_chars(set.server_name)},
                                     {"server_id", escape_control_chars(set.server_id)},
                                     {"mode", set_mode(set)},
                                     {"volume_count", number(static_cast<std::int64_t>(set.volumes.size()))},
                                     {"volumes", escape_control_chars(set_volumes(set))},
                                     {"data_time", set_data_time(set)},
                                     {"partial", set.partial},
                                     {"reasons", reasons}});
    }
    return list;
}

nlohmann::json set_json(const core::ServerSet& set) {
    auto volumes = nlohmann::json::array();
    for (const auto& v : set.volumes)
        volumes.push_back({{"volume_id", v.volume_id},
                           {"volume_name", v.volume_name},
                           {"outcome", core::to_string(v.status)},
                           {"data_time", v.data_time ? nlohmann::json(format_time(*v.data_time)) : nullptr},
                           {"gap", v.gap.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.gap)}});
    auto spread = core::data_spread(set);
    return {{"set_id", set.set_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(set.set_id)},
            {"server_id", set.server_id},
            {"server_name", set.server_name},
            {"mode", set.mode ? nlohmann::json(core::to_string(*set.mode)) : nullptr},
            {"volumes", volumes},
            {"data_from", set.data_from ? nlohmann::json(format_time(*set.data_from)) : nullptr},
            {"data_to", set.data_to ? nlohmann::json(format_time(*set.data_to)) : nullptr},
            {"spread_seconds", spread ? nlohmann::json(spread->count()) : nullptr},
            {"partial", set.partial},
            {"reasons", set.reasons}};
}

nlohmann::json quota_json(const std::optional<core::QuotaLine>& quota) {
    nlohmann::json out{{"level", quota_level(quota)}};
    if (quota) {
        out["limit"] = quota->usage.limit;
        out["in_use"] = quota->usage.in_use;
        out["reserved"] = quota->usage.reserved;
    }
    if (quota && quota->ratio) out["usage_percent"] = 100.0 * *quota->ratio;
    return out;
}

}  // namespace

std::string render(const Digest& digest, const std::string& template_text) {
    mstch::map context{{"project_id", escape_control_chars(digest.project_id)},
                       {"project_name", escape_control_chars(digest.project_name)},
                       {"generated_at", format_time(digest.generated_at)},
                       {"quota", quota_context(digest.quota)},
                       {"succeeded", tasks_context(digest.succeeded)},
                       {"failed", tasks_context(digest.failed)},
                       {"has_succeeded", !digest.succeeded.empty()},
                       {"has_failed", !digest.failed.empty()},
                       {"succeeded_count", number(static_cast<std::int64_t>(digest.succeeded.size()))},
                       {"failed_count", number(static_cast<std::int64_t>(digest.failed.size()))},
                       {"dr_missing", missing_context(digest.dr_missing)},
                       {"sets", sets_context(digest.sets)},
                       {"has_sets", !digest.sets.empty()},
                       {"set_count", number(static_cast<std::int64_t>(digest.sets.size()))},
                       {"has_dr_missing", !digest.dr_missing.empty()},
                       {"dr_missing_count", number(static_cast<std::int64_t>(digest.dr_missing.size()))},
                       {"has_out_of_scope", !digest.out_of_scope.empty()},
                       {"out_of_scope", escape_control_chars(digest.out_of_scope)}};
    return mstch::render(template_text, context);
}

// Escaped as in the text report (a mail client decodes the encoded words: a line break would
// show), then bounded, so the bound holds for what is shown.
std::string subject_for(const Digest& digest) {
    return fmt::format("Staffeln backup report: {} ({})",
                       shortened(escape_control_chars(digest.project_name), kSubjectNameChars),
                       shortened(escape_control_chars(digest.project_id), kSubjectIdChars));
}

nlohmann::json to_json(const Digest& digest) {
    auto succeeded = nlohmann::json::array();
    for (const auto& task : digest.succeeded) succeeded.push_back(task_json(task));
    auto failed = nlohmann::json::array();
    for (const auto& task : digest.failed) failed.push_back(task_json(task));
    auto sets = nlohmann::json::array();
    for (const auto& set : digest.sets) sets.push_back(set_json(set));
    auto dr_missing = nlohmann::json::array();
    for (const auto& m : digest.dr_missing)
        dr_missing.push_back({{"backup_id", m.backup_id},
                              {"volume_id", m.volume_id},
                              {"volume_name", m.volume_name},
                              {"reason", m.last_error},
                              {"attempts", m.attempts}});
    return {
        {"project_id", digest.project_id},
        {"project_name", digest.project_name},
        {"generated_at", format_time(digest.generated_at)},
        {"quota", quota_json(digest.quota)},
        {"succeeded", succeeded},
        {"failed", failed},
        {"server_sets", sets},
        {"disaster_recovery_not_fetched", dr_missing},
        {"out_of_scope", digest.out_of_scope.empty() ? nlohmann::json(nullptr) : nlohmann::json(digest.out_of_scope)}};
}

}  // namespace staffeln::report
