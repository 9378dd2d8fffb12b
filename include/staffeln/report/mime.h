// A report as an Internet message (RFC 5322 + MIME): multipart/alternative with a text/plain
// and a text/html part, both UTF-8 and base64 so long lines and any byte survive transport;
// a non-ASCII subject as RFC 2047 encoded words; CRLF line endings throughout. Pure.
#pragma once

#include "staffeln/model.h"

#include <string>
#include <string_view>
#include <vector>

namespace staffeln::report {

struct MailMessage {
    std::string from;             // a plain address (is_plain_address)
    std::vector<std::string> to;  // plain addresses
    std::string subject;          // UTF-8
    std::string text;
    std::string html;
    TimePoint date{};
    std::string message_id;  // "<unique@domain>"
};

std::string compose_mime(const MailMessage& message);

// The subject as it goes into the header, every line within RFC 5322's 78 characters: printable
// ASCII folded before spaces; otherwise, or when a run without spaces is longer than a line,
// encoded words (=?UTF-8?B?...?=, RFC 2047) of 64 characters, split between characters, folded.
std::string encode_subject(std::string_view subject);

// Base64 in lines of 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view data);

// "Sun, 22 Nov 2026 04:35:26 +0000"
std::string rfc5322_date(TimePoint t);

}  // namespace staffeln::report
