#include "staffeln/api/request_framing.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace staffeln::api {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kChunkLineMax = 1024;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<std::size_t> parse_number(std::string_view s, int base) {
    if (s.empty() || s.size() > 15) return std::nullopt;
    std::size_t value = 0;
    for (char c : s) {
        int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : base == 16 && std::isxdigit(static_cast<unsigned char>(c))
                        ? std::tolower(c) - 'a' + 10
                        : -1;
        if (digit < 0) return std::nullopt;
        value = value * static_cast<std::size_t>(base) + static_cast<std::size_t>(digit);
    }
    return value;
}

struct BodyFraming {
    bool chunked = false;
    std::optional<std::size_t> content_length;
    bool bad = false;
};

BodyFraming body_framing(std::string_view headers) {
    BodyFraming f;
    while (!headers.empty()) {
        auto end = headers.find(kCrlf);
        std::string_view line = headers.substr(0, end);
        headers = end == std::string_view::npos ? std::string_view{} : headers.substr(end + 2);
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto name = line.substr(0, colon);
        auto value = trimmed(line.substr(colon + 1));
        if (iequals(name, "Content-Length")) {
            auto n = parse_number(value, 10);
            if (!n || (f.content_length && *f.content_length != *n)) f.bad = true;
            f.content_length = n;
        } else if (iequals(name, "Transfer-Encoding")) {
            f.chunked = true;
            if (!iequals(value, "chunked")) f.bad = true;  // only what the parser understands
        }
    }
    if (f.chunked && f.content_length) f.bad = true;  // ambiguous framing: a smuggling attempt
    return f;
}

Frame chunked_end(std::string_view received, std::size_t pos, const FramingLimits& limits) {
    std::size_t body = 0;
    for (;;) {
        auto line_end = received.find(kCrlf, pos);
        if (line_end == std::string_view::npos)
            return {received.size() - pos > kChunkLineMax ? Framing::bad : Framing::incomplete, 0};
        auto size_text = received.substr(pos, line_end - pos);
        size_text = trimmed(size_text.substr(0, size_text.find(';')));
        auto size = parse_number(size_text, 16);
        if (!size) return {Framing::bad, 0};
        body += *size;
        if (body > limits.body_bytes) return {Framing::body_too_large, 0};
        pos = line_end + 2;
        if (*size == 0) break;
        if (received.size() < pos + *size + 2) return {Framing::incomplete, 0};
        if (received.substr(pos + *size, 2) != kCrlf) return {Framing::bad, 0};
        pos += *size + 2;
    }
    for (;;) {  // trailers, up to the empty line
        auto line_end = received.find(kCrlf, pos);
        if (line_end == std::string_view::npos)
            return {received.size() - pos > limits.head_bytes ? Framing::head_too_large : Framing::incomplete, 0};
        if (line_end == pos) return {Framing::complete, pos + 2};
        pos = line_end + 2;
    }
}

}  // namespace

Frame frame_request(std::string_view received, const FramingLimits& limits) {
    auto line_end = received.find('\n');
    if (line_end == std::string_view::npos)
        return {received.size() > limits.request_line_bytes ? Framing::uri_too_long : Framing::incomplete, 0};
    if (line_end + 1 > limits.request_line_bytes) return {Framing::uri_too_long, 0};
    auto head_end = received.find("\r\n\r\n");
    if (head_end == std::string_view::npos)
        return {received.size() > limits.head_bytes ? Framing::head_too_large : Framing::incomplete, 0};
    std::size_t head_length = head_end + 4;
    if (head_length > limits.head_bytes) return {Framing::head_too_large, 0};
    auto framing = body_framing(received.substr(line_end + 1, head_end + 2 - (line_end + 1)));
    if (framing.bad) return {Framing::bad, 0};
    if (framing.chunked) return chunked_end(received, head_length, limits);
    std::size_t body = framing.content_length.value_or(0);
    if (body > limits.body_bytes) return {Framing::body_too_large, 0};
    if (received.size() < head_length + body) return {Framing::incomplete, 0};
    return {Framing::complete, head_length + body};
}

}  // namespace staffeln::api
