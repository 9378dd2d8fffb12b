#include "simcloud/json_out.h"

#include <fmt/format.h>

namespace staffeln::sim {

void JsonOut::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_.push_back(',');
        first_.back() = false;
    }
}

void JsonOut::escaped(std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '"':
                out_ += "\\\"";
                break;
            case '\\':
                out_ += "\\\\";
                break;
            case '\n':
                out_ += "\\n";
                break;
            case '\r':
                out_ += "\\r";
                break;
            case '\t':
                out_ += "\\t";
                break;
            case '\b':
                out_ += "\\b";
                break;
            case '\f':
                out_ += "\\f";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    out_ += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
                else
                    out_.push_back(c);
        }
    }
}

JsonOut& JsonOut::begin_object() {
    separate();
    out_.push_back('{');
    first_.push_back(true);
    return *this;
}

JsonOut& JsonOut::end_object() {
    out_.push_back('}');
    first_.pop_back();
    return *this;
}

JsonOut& JsonOut::begin_array() {
    separate();
    out_.push_back('[');
    first_.push_back(true);
    return *this;
}

JsonOut& JsonOut::end_array() {
    out_.push_back(']');
    first_.pop_back();
    return *this;
}

JsonOut& JsonOut::key(std::string_view k) {
    separate();
    out_.push_back('"');
    escaped(k);
    out_ += "\":";
    after_key_ = true;
    return *this;
}

JsonOut& JsonOut::str(std::string_view s) {
    separate();
    out_.push_back('"');
    escaped(s);
    out_.push_back('"');
    return *this;
}

JsonOut& JsonOut::opt(const std::optional<std::string>& s) { return s ? str(*s) : null(); }

JsonOut& JsonOut::str_parts(std::initializer_list<std::string_view> parts) {
    separate();
    out_.push_back('"');
    for (std::string_view p : parts) escaped(p);
    out_.push_back('"');
    return *this;
}

JsonOut& JsonOut::num(std::int64_t n) {
    separate();
    fmt::format_to(std::back_inserter(out_), "{}", n);
    return *this;
}

JsonOut& JsonOut::boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
    return *this;
}

JsonOut& JsonOut::null() {
    separate();
    out_ += "null";
    return *this;
}

JsonOut& JsonOut::object(const std::map<std::string, std::string>& map) {
    begin_object();
    for (const auto& [k, v] : map) key(k).str(v);
    return end_object();
}

JsonOut& JsonOut::raw(const nlohmann::json& value) {
    separate();
    out_ += value.dump();
    return *this;
}

}  // namespace staffeln::sim
