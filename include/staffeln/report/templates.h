// The Mustache templates a report is rendered from: the embedded defaults (templates/ in the
// source tree), or for HTML the operator's `[notification] template_file`. A template that is
// missing, unreadable or malformed is refused with its file and line; so is an HTML template
// with an unescaped tag ({{{x}}}, {{&x}}), which would let a cloud value through as markup.
#pragma once

#include "staffeln/result.h"

#include <string>
#include <string_view>

namespace staffeln::report {

enum class Markup { html, text };

struct Templates {
    std::string html;
    std::string text;
};

// template_file empty: the embedded defaults.
Result<Templates> load_templates(const std::string& template_file);

// origin names the template in messages ("/etc/staffeln/report.html:12: ...").
Status validate_template(std::string_view text, std::string_view origin, Markup markup);

}  // namespace staffeln::report
