#include "staffeln/text_safety.h"

#include <fmt/format.h>

namespace staffeln {
namespace {

bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x7f; }

bool continuation(std::string_view text, std::size_t at) {
    return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at text[at] (RFC 3629: no overlong forms, no
// surrogates, at most U+10FFFF), or 0 when the byte there does not start one.
std::size_t utf8_length(std::string_view text, std::size_t at) {
    auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0) return 0;
    for (std::size_t i = 1; i < length; ++i)
        if (!continuation(text, at + i)) return 0;
    auto second = static_cast<unsigned char>(text[at + 1]);
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // surrogate
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // beyond U+10FFFF
    return length;
}

// C1 controls (U+0080 to U+009F) and the Unicode line and paragraph separators, which some
// terminals and log viewers act on or break lines at.
bool control_sequence(std::string_view sequence) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(sequence[i]); };
    if (sequence.size() == 2) return b(0) == 0xC2 && b(1) <= 0x9F;
    return sequence.size() == 3 && b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0xA8 || b(2) == 0xA9);
}

std::uint32_t code_point(std::string_view sequence) {
    std::uint32_t value = static_cast<unsigned char>(sequence[0]) & (0x7F >> sequence.size());
    for (std::size_t i = 1; i < sequence.size(); ++i)
        value = value << 6 | (static_cast<unsigned char>(sequence[i]) & 0x3F);
    return value;
}

void append_c0(std::string& out, unsigned char c) {
    switch (c) {
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    }
}

}  // namespace

void append_escaped(std::string& out, std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t plain = i;
        while (plain < text.size() && plain_ascii(static_cast<unsigned char>(text[plain]))) ++plain;
        out.append(text.substr(i, plain - i));
        i = plain;
        if (i == text.size()) break;
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            append_c0(out, c);
            ++i;
            continue;
        }
        auto length = utf8_length(text, i);
        if (length == 0) {
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
            ++i;
            continue;
        }
        auto sequence = text.substr(i, length);
        if (control_sequence(sequence))
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", code_point(sequence));
        else
            out.append(sequence);
        i += length;
    }
}

std::string escape_control_chars(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_escaped(out, text);
    return out;
}

void print_line(std::FILE* out, std::string_view line) {
    std::string text;
    append_escaped(text, line);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), out);
}

}  // namespace staffeln
