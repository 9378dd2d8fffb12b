#include "staffeln/openstack/json_fields.h"

#include "staffeln/openstack/iso_time.h"

#include <algorithm>

namespace staffeln::openstack {
namespace {

const Json* find(const Json& object, std::string_view name) {
    if (!object.is_object()) throw FieldError{std::string(name), "is in something that is not an object"};
    auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

const Json& required(const Json& object, std::string_view name) {
    const Json* value = find(object, name);
    if (value == nullptr) throw FieldError{std::string(name), "is missing"};
    return *value;
}

}  // namespace

const Json& object_field(const Json& object, std::string_view name) {
    const Json& value = required(object, name);
    if (!value.is_object()) throw FieldError{std::string(name), "is not an object"};
    return value;
}

const Json& array_field(const Json& object, std::string_view name) {
    const Json& value = required(object, name);
    if (!value.is_array()) throw FieldError{std::string(name), "is not an array"};
    return value;
}

std::string string_field(const Json& object, std::string_view name) {
    const Json& value = required(object, name);
    if (!value.is_string()) throw FieldError{std::string(name), "is not a string"};
    return value.get<std::string>();
}

std::string optional_string(const Json& object, std::string_view name) {
    return find(object, name) == nullptr ? std::string() : string_field(object, name);
}

std::int64_t int_field(const Json& object, std::string_view name) {
    const Json& value = required(object, name);
    if (!value.is_number_integer()) throw FieldError{std::string(name), "is not an integer"};
    return value.get<std::int64_t>();
}

std::int64_t optional_int(const Json& object, std::string_view name) {
    return find(object, name) == nullptr ? 0 : int_field(object, name);
}

bool optional_bool(const Json& object, std::string_view name) {
    const Json* value = find(object, name);
    if (value == nullptr) return false;
    if (!value->is_boolean()) throw FieldError{std::string(name), "is not a boolean"};
    return value->get<bool>();
}

Metadata metadata_field(const Json& object, std::string_view name) {
    const Json* value = find(object, name);
    if (value == nullptr) return {};
    if (!value->is_object()) throw FieldError{std::string(name), "is not an object"};
    Metadata metadata;
    for (const auto& [key, item] : value->items()) {
        if (!item.is_string()) throw FieldError{fmt::format("{}.{}", name, key), "is not a string"};
        metadata.emplace(key, item.get<std::string>());
    }
    return metadata;
}

TimePoint time_field(const Json& object, std::string_view name) {
    const std::string text = string_field(object, name);
    auto time = parse_iso_time(text);
    if (!time)
        throw FieldError{std::string(name),
                         fmt::format("is not an ISO 8601 time from {} to {}: '{}'", kEarliestYear, kLatestYear, text)};
    return *time;
}

TimePoint optional_time(const Json& object, std::string_view name) {
    return find(object, name) == nullptr ? TimePoint{} : time_field(object, name);
}

// Depth 1 holds the page's keys, depth 3 the keys of the objects in its arrays.
Json::parser_callback_t keep_only(ItemFields keep) {
    return [keep, in_items = false](int depth, Json::parse_event_t event, Json& parsed) mutable {
        if (event != Json::parse_event_t::key) return true;
        if (depth == 1) in_items = parsed.is_string() && parsed.get_ref<const std::string&>() == keep.array;
        if (depth != 3 || !in_items || !parsed.is_string()) return true;
        return std::find(keep.fields.begin(), keep.fields.end(), parsed.get_ref<const std::string&>()) !=
               keep.fields.end();
    };
}

}  // namespace staffeln::openstack
