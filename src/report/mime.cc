#include "staffeln/report/mime.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace staffeln::report {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kLineChars = 76;
// A line holding encoded words is at most 76 characters (RFC 2047), the first one starting
// after "Subject: " (9); "=?UTF-8?B?" and "?=" take 12 more, leaving 55 for base64: 39 bytes.
constexpr std::size_t kBytesPerWord = 39;
// RFC 5322 recommends header lines of at most 78 characters; the subject's first line starts
// after "Subject: ".
constexpr std::size_t kHeaderLineChars = 78;
constexpr std::size_t kSubjectLabelChars = 9;
// RFC 2046 allows boundaries of up to 70 characters.
constexpr std::size_t kBoundaryTokenChars = 48;

std::string base64(std::string_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < data.size(); i += 3) {
        std::uint32_t group = static_cast<unsigned char>(data[i]) << 16;
        if (i + 1 < data.size()) group |= static_cast<unsigned char>(data[i + 1]) << 8;
        if (i + 2 < data.size()) group |= static_cast<unsigned char>(data[i + 2]);
        out += kAlphabet[(group >> 18) & 63];
        out += kAlphabet[(group >> 12) & 63];
        out += i + 1 < data.size() ? kAlphabet[(group >> 6) & 63] : '=';
        out += i + 2 < data.size() ? kAlphabet[group & 63] : '=';
    }
    return out;
}

bool is_printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Text parts are canonically CRLF; a lone LF or CR becomes CRLF.
std::string crlf_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        if (text[i] == '\r' || text[i] == '\n')
            out += "\r\n";
        else
            out += text[i];
    }
    return out;
}

// Cuts before a UTF-8 continuation byte never, so each word decodes on its own.
std::size_t word_end(std::string_view s, std::size_t start) {
    auto end = std::min(s.size(), start + kBytesPerWord);
    while (end > start + 1 && end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return end;
}

// Where a folded line may start: a space that the next word follows (a line of spaces alone is
// not allowed, RFC 5322 3.2.2).
bool fold_point(std::string_view s, std::size_t at) { return s[at] == ' ' && at + 1 < s.size() && s[at + 1] != ' '; }

// The subject folded before spaces (RFC 5322 2.2.3) so that every line fits kHeaderLineChars;
// nothing when a run without spaces is too long for one line.
std::optional<std::string> fold_at_spaces(std::string_view subject) {
    std::string out;
    std::size_t column = kSubjectLabelChars;
    for (std::size_t start = 0, end; start < subject.size(); start = end) {
        for (end = start + 1; end < subject.size() && !fold_point(subject, end);) ++end;
        auto chunk = subject.substr(start, end - start);
        if (start > 0 && column + chunk.size() > kHeaderLineChars) {
            out += "\r\n";
            column = 0;
        }
        if (column + chunk.size() > kHeaderLineChars) return std::nullopt;
        out += chunk;
        column += chunk.size();
    }
    return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
    return out;
}

std::string part(std::string_view subtype, std::string_view body) {
    return fmt::format("Content-Type: text/{}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}", subtype,
                       base64_lines(crlf_lines(body)));
}

// A boundary made of '=' and '_' never occurs in base64 text or in our headers.
std::string boundary_for(const std::string& message_id) {
    std::string token;
    std::copy_if(message_id.begin(), message_id.end(), std::back_inserter(token),
                 [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    return "=_staffeln_" + token.substr(0, kBoundaryTokenChars);
}

}  // namespace

std::string base64_lines(std::string_view data) {
    auto encoded = base64(data);
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += kLineChars) out += encoded.substr(i, kLineChars) + "\r\n";
    return out;
}

std::string encode_subject(std::string_view subject) {
    if (is_printable_ascii(subject))
        if (auto folded = fold_at_spaces(subject)) return std::move(*folded);
    std::vector<std::string> words;
    for (std::size_t start = 0; start < subject.size();) {
        auto end = word_end(subject, start);
        words.push_back("=?UTF-8?B?" + base64(subject.substr(start, end - start)) + "?=");
        start = end;
    }
    return join(words, "\r\n ");
}

std::string rfc5322_date(TimePoint t) { return fmt::format("{:%a, %d %b %Y %H:%M:%S} +0000", t); }

std::string compose_mime(const MailMessage& message) {
    auto boundary = boundary_for(message.message_id);
    auto headers = fmt::format(
        "From: Staffeln <{}>\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative;\r\n boundary=\"{}\"\r\n\r\n",
        message.from, join(message.to, ",\r\n "), encode_subject(message.subject), rfc5322_date(message.date),
        message.message_id, boundary);
    return headers + fmt::format("--{0}\r\n{1}--{0}\r\n{2}--{0}--\r\n", boundary, part("plain", message.text),
                                 part("html", message.html));
}

}  // namespace staffeln::report
