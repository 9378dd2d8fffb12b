#include "staffeln/report/render.h"

#include <fmt/format.h>
#include <mstch/mstch.hpp>

namespace staffeln::report {
namespace {

std::string number(std::int64_t n) { return std::to_string(n); }

std::string percent(double p) { return fmt::format("{:.1f}", p); }

mstch::map quota_context(const QuotaView& quota) {
    mstch::map context{{"css_class", css_class(quota.level)},
                       {"level", std::string(to_string(quota.level))},
                       {"limited", quota.level != QuotaLevel::unknown && quota.level != QuotaLevel::unlimited},
                       {"unlimited", quota.level == QuotaLevel::unlimited},
                       {"unknown", quota.level == QuotaLevel::unknown}};
    if (quota.usage) {
        context.emplace("limit", number(quota.usage->limit));
        context.emplace("in_use", number(quota.usage->in_use));
        context.emplace("reserved", number(quota.usage->reserved));
        context.emplace("usage_percent", percent(quota.usage_percent));
    }
    return context;
}

mstch::map task_context(const FinishedTask& task) {
    return mstch::map{{"task_id", task.id},
                      {"volume_id", task.volume_id},
                      {"volume_name", task.volume_name},
                      {"server_id", task.server_id},
                      {"server_name", task.server_name},
                      {"backup_id", task.backup_id},
                      {"kind", std::string(to_string(task.kind))},
                      {"outcome", std::string(to_string(task.outcome))},
                      {"reason", task.reason},
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
            {"kind", to_string(task.kind)},
            {"outcome", to_string(task.outcome)},
            {"reason", task.reason},
            {"created_at", format_time(task.created_at)},
            {"updated_at", format_time(task.updated_at)}};
}

nlohmann::json quota_json(const QuotaView& quota) {
    nlohmann::json out{{"level", to_string(quota.level)}};
    if (quota.usage) {
        out["limit"] = quota.usage->limit;
        out["in_use"] = quota.usage->in_use;
        out["reserved"] = quota.usage->reserved;
    }
    if (quota.level != QuotaLevel::unknown && quota.level != QuotaLevel::unlimited)
        out["usage_percent"] = quota.usage_percent;
    return out;
}

}  // namespace

std::string render(const Digest& digest, const std::string& template_text) {
    mstch::map context{{"project_id", digest.project_id},
                       {"project_name", digest.project_name},
                       {"generated_at", format_time(digest.generated_at)},
                       {"quota", quota_context(digest.quota)},
                       {"succeeded", tasks_context(digest.succeeded)},
                       {"failed", tasks_context(digest.failed)},
                       {"has_succeeded", !digest.succeeded.empty()},
                       {"has_failed", !digest.failed.empty()},
                       {"succeeded_count", number(static_cast<std::int64_t>(digest.succeeded.size()))},
                       {"failed_count", number(static_cast<std::int64_t>(digest.failed.size()))}};
    return mstch::render(template_text, context);
}

std::string subject_for(const Digest& digest) {
    return fmt::format("Staffeln backup report: {} ({})", digest.project_name, digest.project_id);
}

nlohmann::json to_json(const Digest& digest) {
    auto succeeded = nlohmann::json::array();
    for (const auto& task : digest.succeeded) succeeded.push_back(task_json(task));
    auto failed = nlohmann::json::array();
    for (const auto& task : digest.failed) failed.push_back(task_json(task));
    return {{"project_id", digest.project_id},
            {"project_name", digest.project_name},
            {"generated_at", format_time(digest.generated_at)},
            {"quota", quota_json(digest.quota)},
            {"succeeded", succeeded},
            {"failed", failed}};
}

}  // namespace staffeln::report
