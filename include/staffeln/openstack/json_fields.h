// Reading fields out of OpenStack's JSON answers without trusting them. The readers throw
// FieldError; parse_response catches it (and every nlohmann exception) at this edge and
// returns invalid_input naming the call and the field, so a bad answer never crashes staffeln.
#pragma once

#include "staffeln/model.h"
#include "staffeln/result.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <string_view>

namespace staffeln::openstack {

using Json = nlohmann::json;

struct FieldError {
    std::string field;
    std::string problem;  // "is missing", "is not a string", ...
};

const Json& object_field(const Json& object, std::string_view name);     // a JSON object
const Json& array_field(const Json& object, std::string_view name);      // a JSON array
std::string string_field(const Json& object, std::string_view name);     // a string
std::string optional_string(const Json& object, std::string_view name);  // "" when absent or null
std::int64_t int_field(const Json& object, std::string_view name);
std::int64_t optional_int(const Json& object, std::string_view name);  // 0 when absent or null
bool optional_bool(const Json& object, std::string_view name);         // false when absent or null
Metadata metadata_field(const Json& object, std::string_view name);    // {} when absent or null
TimePoint time_field(const Json& object, std::string_view name);
TimePoint optional_time(const Json& object, std::string_view name);  // epoch when absent or null

// Of a listing page ({"servers": [{...}, ...], "servers_links": [...]}), the fields a parser
// reads of each item of `array`; the others (Nova's addresses, flavor, links, ...) are dropped
// while the page is parsed, not held in its document. No fields: every one is kept.
struct ItemFields {
    std::string_view array;
    std::span<const std::string_view> fields;
};

// The nlohmann parser callback that drops the fields `keep` does not name.
Json::parser_callback_t keep_only(ItemFields keep);

// Parses `body` and applies `parse` to it; `call` ("cinder GET /backups/detail") names the call in errors.
template <class T>
struct as_result {
    using type = Result<T>;
};
template <class T>
struct as_result<Result<T>> {
    using type = Result<T>;
};

template <class Parse>
auto parse_response(std::string_view call, const std::string& body, Parse&& parse, ItemFields keep = {}) ->
    typename as_result<decltype(parse(std::declval<const Json&>()))>::type {
    try {
        return parse(keep.fields.empty() ? Json::parse(body) : Json::parse(body, keep_only(keep)));
    } catch (const FieldError& e) {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{}: response field '{}' {}", call, e.field, e.problem));
    } catch (const Json::exception& e) {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{}: response is not the expected JSON: {}", call, e.what()));
    }
}

}  // namespace staffeln::openstack
