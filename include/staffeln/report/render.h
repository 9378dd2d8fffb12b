// Turns a Digest into what people read: HTML and plain text through the Mustache templates
// (mstch escapes every {{value}} in HTML: & < > " ' /), the mail subject, and JSON for
// `staffeln report --format json`. Values pass through as UTF-8, byte for byte, except that
// render() and subject_for() escape the cloud's control characters (text_safety) in the text,
// the HTML and the subject.
#pragma once

#include "staffeln/report/digest.h"
#include "staffeln/report/recipients.h"
#include "staffeln/report/templates.h"

#include <nlohmann/json.hpp>

#include <string>

namespace staffeln::report {

// template must have passed validate_template.
std::string render(const Digest& digest, const std::string& template_text);

// "Staffeln backup report: <project name> (<project id>)", control characters escaped, a name
// longer than 200 characters (an id longer than 64) then cut with an ellipsis.
std::string subject_for(const Digest& digest);

nlohmann::json to_json(const Digest& digest);

}  // namespace staffeln::report
