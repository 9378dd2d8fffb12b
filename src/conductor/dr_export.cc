#include "staffeln/conductor/dr_export.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace staffeln::conductor {
namespace {

using Json = nlohmann::ordered_json;

std::string iso(TimePoint t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t); }

Json optional(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json record_json(const core::DrRecord& r) {
    return Json{{"backup_id", r.backup_id},
                {"project_id", r.project_id},
                {"server", {{"id", optional(r.origin.server_id)}, {"name", optional(r.origin.server_name)}}},
                {"volume",
                 {{"id", r.origin.volume_id},
                  {"name", optional(r.origin.volume_name)},
                  {"size_gb", r.origin.volume_size_gb},
                  {"bootable", r.origin.volume_bootable},
                  {"device", optional(r.origin.volume_device)}}},
                {"kind", core::to_string(r.kind)},
                {"parent_id", optional(r.parent_id)},
                {"created_at", iso(r.created_at)},
                {"data_timestamp", iso(r.data_timestamp)},
                {"fetched_at", iso(r.updated_at)},
                {"backup_record", {{"backup_service", r.backup_service}, {"backup_url", r.backup_url}}}};
}

Json missing_json(const core::DrRecord& r) {
    return Json{{"backup_id", r.backup_id}, {"project_id", r.project_id},           {"volume_id", r.origin.volume_id},
                {"attempts", r.attempts},   {"last_attempt_at", iso(r.updated_at)}, {"last_error", r.last_error}};
}

}  // namespace

std::string dr_document(const std::vector<core::DrRecord>& records, TimePoint generated_at, const std::string& project,
                        const std::string& server) {
    Json out{{"format", kDrFormat},
             {"generated_at", iso(generated_at)},
             {"selection", {{"project", optional(project)}, {"server", optional(server)}}},
             {"records", Json::array()},
             {"not_fetched", Json::array()}};
    for (const auto& r : records) {
        if (r.fetch_status == core::FetchStatus::fetched)
            out["records"].push_back(record_json(r));
        else
            out["not_fetched"].push_back(missing_json(r));
    }
    // Cloud strings are UTF-8 as Cinder checks them; a byte that is not still yields valid JSON.
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace staffeln::conductor
