#include "staffeln/api/request_framing.h"

#include <algorithm>
#include <cctype>

namespace staffeln::api {
namespace {

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
        int digit = std::isdigit(static_cast<unsigned char>(c))                  ? c - '0'
                    : base == 16 && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                                 : -1;
        if (digit < 0) return std::nullopt;
        value = value * static_cast<std::size_t>(base) + static_cast<std::size_t>(digit);
    }
    return value;
}

}  // namespace

// The line from pos_ without its CRLF, and end: where it ends (or what has come, when partial).
// Only bytes not looked at before are searched for its LF; a whole line is searched once more
// for a bare CR.
RequestFramer::Line RequestFramer::next_line(std::string_view received, std::size_t max, std::string_view& line,
                                             std::size_t& end) {
    auto lf = received.find('\n', std::max(pos_, scanned_));
    if (lf == std::string_view::npos) {
        scanned_ = end = received.size();
        return end - pos_ > max ? Line::too_long : Line::partial;
    }
    end = lf + 1;
    if (end - pos_ > max) return Line::too_long;
    if (lf == pos_ || received[lf - 1] != '\r') return Line::bare_cr_or_lf;
    line = received.substr(pos_, lf - 1 - pos_);
    if (line.find('\r') != std::string_view::npos) return Line::bare_cr_or_lf;
    pos_ = scanned_ = end;
    return Line::whole;
}

Frame RequestFramer::next(std::string_view received) {
    for (;;) {
        std::optional<Frame> step;
        switch (stage_) {
            case Stage::request_line: {
                std::string_view line;
                std::size_t end = 0;
                auto got = next_line(received, limits_.request_line_bytes, line, end);
                if (got == Line::partial) return Frame{};
                if (got == Line::too_long) return Frame{Framing::uri_too_long, 0};
                if (got == Line::bare_cr_or_lf) return Frame{Framing::bad, 0};
                stage_ = Stage::headers;
                continue;
            }
            case Stage::headers:
                step = head_line(received);
                break;
            case Stage::fixed_body:
                return received.size() < body_end_ ? Frame{} : Frame{Framing::complete, body_end_};
            case Stage::chunk_size:
                step = chunk_size_line(received);
                break;
            case Stage::chunk_data:
                if (received.size() < pos_ + chunk_left_ + 2) return {};
                if (received.substr(pos_ + chunk_left_, 2) != "\r\n") return Frame{Framing::bad, 0};
                pos_ = scanned_ = pos_ + chunk_left_ + 2;
                framing_ += 2;
                stage_ = Stage::chunk_size;
                continue;
            case Stage::trailers:
                step = trailer_line(received);
                break;
        }
        if (step) return *step;
    }
}

// A header or trailer line (from pos_, up to end) past the line limit or the head's (counted from
// head_start), or nothing. When both are passed, the verdict is the limit the bytes passed first,
// so that it does not depend on how the request was split into reads: the line limit is passed
// at byte pos_ + header_line_bytes, the head's at head_start + head_bytes (the head's on a tie).
std::optional<Frame> RequestFramer::over_limit(Line got, std::size_t end, std::size_t head_start) const {
    const bool head_over = end - head_start > limits_.head_bytes;
    const bool line_over = got == Line::too_long;
    if (line_over && (!head_over || pos_ + limits_.header_line_bytes < head_start + limits_.head_bytes))
        return Frame{Framing::header_line_too_long, 0};
    if (head_over) return Frame{Framing::head_too_large, 0};
    return std::nullopt;
}

// Each step returns nothing when it has parsed what it stands for: next() goes on.
std::optional<Frame> RequestFramer::head_line(std::string_view received) {
    std::string_view line;
    std::size_t end = 0;
    auto got = next_line(received, limits_.header_line_bytes, line, end);
    if (auto over = over_limit(got, end, 0)) return over;
    if (got == Line::partial) return Frame{};
    if (got == Line::bare_cr_or_lf) return Frame{Framing::bad, 0};
    if (line.empty()) return end_of_head();
    header(line);
    return std::nullopt;
}

void RequestFramer::header(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    auto name = line.substr(0, colon);
    auto value = trimmed(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
        auto n = parse_number(value, 10);
        if (!n || (content_length_ && *content_length_ != *n)) bad_ = true;
        content_length_ = n;
    } else if (iequals(name, "Transfer-Encoding")) {
        chunked_ = true;
        if (!iequals(value, "chunked")) bad_ = true;  // only what the parser understands
    }
}

std::optional<Frame> RequestFramer::end_of_head() {
    if (bad_ || (chunked_ && content_length_)) return Frame{Framing::bad, 0};  // ambiguous framing: smuggling
    if (chunked_) {
        stage_ = Stage::chunk_size;
        return std::nullopt;
    }
    std::size_t body = content_length_.value_or(0);
    if (body > limits_.body_bytes) return Frame{Framing::body_too_large, 0};
    body_end_ = pos_ + body;
    stage_ = Stage::fixed_body;
    return std::nullopt;
}

std::optional<Frame> RequestFramer::chunk_size_line(std::string_view received) {
    std::string_view line;
    std::size_t end = 0;
    auto got = next_line(received, kChunkLineMax, line, end);
    if (got == Line::partial) return Frame{};
    if (got != Line::whole) return Frame{Framing::bad, 0};
    framing_ += line.size() + 2;
    auto size = parse_number(trimmed(line.substr(0, line.find(';'))), 16);
    if (!size) return Frame{Framing::bad, 0};
    if (*size > limits_.body_bytes - body_) return Frame{Framing::body_too_large, 0};
    if (framing_ > limits_.body_bytes) return Frame{Framing::chunk_framing_too_large, 0};
    body_ += *size;
    chunk_left_ = *size;
    if (*size == 0) {
        trailers_start_ = pos_;
        stage_ = Stage::trailers;
    } else {
        stage_ = Stage::chunk_data;
    }
    return std::nullopt;
}

// Trailers, up to the empty line, are bounded like a head.
std::optional<Frame> RequestFramer::trailer_line(std::string_view received) {
    std::string_view line;
    std::size_t end = 0;
    auto got = next_line(received, limits_.header_line_bytes, line, end);
    if (auto over = over_limit(got, end, trailers_start_)) return over;
    if (got == Line::partial) return Frame{};
    if (got == Line::bare_cr_or_lf) return Frame{Framing::bad, 0};
    if (line.empty()) return Frame{Framing::complete, pos_};
    return std::nullopt;
}

Frame frame_request(std::string_view received, const FramingLimits& limits) {
    return RequestFramer(limits).next(received);
}

}  // namespace staffeln::api
