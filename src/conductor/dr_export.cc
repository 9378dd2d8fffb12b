#include "staffeln/conductor/dr_export.h"

#include "staffeln/private_file.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace staffeln::conductor {
namespace {

using Json = nlohmann::ordered_json;

std::string iso(TimePoint t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t); }

constexpr std::string_view kAllFile = "staffeln-backup-records.json";
constexpr std::string_view kProjectPrefix = "staffeln-backup-records-";
constexpr std::string_view kSuffix = ".json";

bool safe_in_file_name(const std::string& s) {
    return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

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
                        const std::string& server, const ServerDefinitions& definitions) {
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
    std::set<std::string> servers;
    for (const auto& r : records)
        if (!r.origin.server_id.empty()) servers.insert(r.origin.server_id);
    out["server_definitions"] = Json::array();
    for (const auto& id : servers) {
        auto found = definitions.find(id);
        if (found == definitions.end()) continue;
        for (const auto& d : found->second)
            out["server_definitions"].push_back({{"server_id", id},
                                                 {"recorded_at", iso(d.recorded_at)},
                                                 {"last_seen", iso(d.last_seen)},
                                                 {"definition", Json::parse(store::definition_json(d.definition))}});
    }
    // Cloud strings are UTF-8 as Cinder checks them; a byte that is not still yields valid JSON.
    // ensure_ascii: the document is printable ASCII wherever it is shown (export prints it to
    // stdout): beyond ASCII, C1 controls and line separators among them, every character is a
    // \u escape, which reads back as the same string.
    return out.dump(2, ' ', true, Json::error_handler_t::replace) + "\n";
}

std::vector<std::string> write_dr_files(const std::filesystem::path& dir, const std::vector<core::DrRecord>& records,
                                        TimePoint now, const ServerDefinitions& definitions) {
    std::vector<std::string> problems;
    auto write = [&](const std::filesystem::path& path, const std::vector<core::DrRecord>& selected,
                     const std::string& project) {
        if (auto written = write_private_file(path, dr_document(selected, now, project, "", definitions)); !written)
            problems.push_back(written.error().message);
    };
    write(dir / kAllFile, records, "");
    std::map<std::string, std::vector<core::DrRecord>> by_project;
    for (const auto& r : records) by_project[r.project_id].push_back(r);
    std::set<std::string> current;
    for (const auto& [project, selected] : by_project) {
        if (!safe_in_file_name(project)) {
            problems.push_back(fmt::format("project id '{}' cannot name a file: its records are in {} only", project,
                                           (dir / kAllFile).string()));
            continue;
        }
        std::string name = fmt::format("{}{}{}", kProjectPrefix, project, kSuffix);
        current.insert(name);
        write(dir / name, selected, project);
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (!name.starts_with(kProjectPrefix) || !name.ends_with(kSuffix) || current.contains(name)) continue;
        if (std::error_code removed; !std::filesystem::remove(entry.path(), removed) && removed)
            problems.push_back(fmt::format("cannot remove {}: {}", entry.path().string(), removed.message()));
    }
    if (ec) problems.push_back(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    return problems;
}

}  // namespace staffeln::conductor
