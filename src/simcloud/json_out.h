// A streaming JSON writer for the large list bodies: appends straight to one string, so a
// page of 1,000 backups costs no per-field allocations (nlohmann::json trees did).
// Commas are placed automatically; the caller keeps keys and values paired.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::sim {

class JsonOut {
public:
    JsonOut& begin_object();
    JsonOut& end_object();
    JsonOut& begin_array();
    JsonOut& end_array();
    JsonOut& key(std::string_view k);
    JsonOut& str(std::string_view s);
    JsonOut& opt(const std::optional<std::string>& s);  // null when absent
    JsonOut& num(std::int64_t n);
    JsonOut& boolean(bool b);
    JsonOut& null();
    JsonOut& raw(const nlohmann::json& value);  // any small value
    JsonOut& object(const std::map<std::string, std::string>& map);
    // Pieces of one string value, for URLs built from parts without a temporary.
    JsonOut& str_parts(std::initializer_list<std::string_view> parts);

    std::string& text() { return out_; }

private:
    void separate();
    void escaped(std::string_view s);

    std::string out_;
    std::vector<bool> first_;  // per open container: nothing written in it yet
    bool after_key_ = false;
};

}  // namespace staffeln::sim
