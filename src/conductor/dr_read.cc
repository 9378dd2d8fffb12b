#include "staffeln/conductor/dr_read.h"

#include "staffeln/base64.h"
#include "staffeln/conductor/dr_export.h"
#include "staffeln/openstack/iso_time.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unordered_set>

namespace staffeln::conductor {
namespace {

using Json = nlohmann::json;

struct Bad {
    std::string field;
    std::string problem;
};

const Json& member(const Json& object, const std::string& path, const char* name, Json::value_t type) {
    if (!object.contains(name)) throw Bad{path + name, "is missing"};
    const Json& v = object[name];
    if (v.type() != type) throw Bad{path + name, fmt::format("is not a {}", Json(type).type_name())};
    return v;
}

std::string text(const Json& object, const std::string& path, const char* name, bool may_be_null = false) {
    if (may_be_null && object.contains(name) && object[name].is_null()) return {};
    std::string value = member(object, path, name, Json::value_t::string).get<std::string>();
    if (value.empty()) throw Bad{path + name, "is empty"};
    return value;
}

TimePoint time_of(const Json& object, const std::string& path, const char* name) {
    auto t = openstack::parse_iso_time(text(object, path, name));
    if (!t)
        throw Bad{path + name, fmt::format("is not a time from {} to {} such as 2026-12-05T06:00:00Z",
                                           openstack::kEarliestYear, openstack::kLatestYear)};
    return *t;
}

core::DrRecord record_of(const Json& r, const std::string& path) {
    if (!r.is_object()) throw Bad{path.substr(0, path.size() - 1), "is not an object"};
    core::DrRecord out;
    out.backup_id = text(r, path, "backup_id");
    out.project_id = text(r, path, "project_id");
    const Json& server = member(r, path, "server", Json::value_t::object);
    out.origin.server_id = text(server, path + "server.", "id", true);
    out.origin.server_name = text(server, path + "server.", "name", true);
    const Json& volume = member(r, path, "volume", Json::value_t::object);
    out.origin.volume_id = text(volume, path + "volume.", "id");
    out.origin.volume_name = text(volume, path + "volume.", "name", true);
    std::string kind = text(r, path, "kind");
    if (kind != "full" && kind != "incremental") throw Bad{path + "kind", "is neither full nor incremental"};
    out.kind = kind == "full" ? core::BackupKind::full : core::BackupKind::incremental;
    out.parent_id = text(r, path, "parent_id", true);
    out.created_at = time_of(r, path, "created_at");
    out.data_timestamp = time_of(r, path, "data_timestamp");
    const Json& record = member(r, path, "backup_record", Json::value_t::object);
    out.backup_service = text(record, path + "backup_record.", "backup_service");
    out.backup_url = text(record, path + "backup_record.", "backup_url");
    // The record must be Cinder's for this backup: a corrupt or swapped one is refused here.
    auto decoded = base64_decode(out.backup_url);
    Json row = decoded ? Json::parse(*decoded, nullptr, false) : Json();
    if (!row.is_object() || !row.contains("id") || row["id"] != out.backup_id)
        throw Bad{path + "backup_record.backup_url", "is not Cinder's record of backup " + out.backup_id};
    out.fetch_status = core::FetchStatus::fetched;
    return out;
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string parse_message(const Json::exception& e) {
    std::string what = e.what();
    auto end = what.find("] ");
    return end == std::string::npos ? what : what.substr(end + 2);
}

}  // namespace

Result<std::vector<core::DrRecord>> read_dr_document(const std::string& text_in) {
    Json doc;
    try {
        doc = Json::parse(text_in);
    } catch (const Json::parse_error& e) {
        return make_error(ErrorKind::invalid_input, "not a complete JSON document: " + parse_message(e));
    } catch (const Json::exception& e) {  // out_of_range 406: a number beyond a double, 1e999
        return make_error(ErrorKind::invalid_input, "not a JSON document staffeln can read: " + parse_message(e));
    }
    std::vector<core::DrRecord> records;
    try {
        if (!doc.is_object()) throw Bad{"(document)", "is not a JSON object"};
        std::string format = text(doc, "", "format");
        if (format != kDrFormat)
            throw Bad{"format", fmt::format("is '{}'; this staffeln reads {} only", format, kDrFormat)};
        const Json& list = member(doc, "", "records", Json::value_t::array);
        std::unordered_set<std::string> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            records.push_back(record_of(list[i], fmt::format("records[{}].", i)));
            if (!seen.insert(records.back().backup_id).second)
                throw Bad{fmt::format("records[{}].backup_id", i), "repeats an earlier record's"};
        }
    } catch (const Bad& bad) {
        return make_error(ErrorKind::invalid_input, fmt::format("{} {}", bad.field, bad.problem));
    }
    return records;
}

}  // namespace staffeln::conductor
