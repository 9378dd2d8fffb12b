#include "staffeln/core/metric_text.h"

#include <fmt/format.h>

#include <cmath>

namespace staffeln::core {
namespace {

const char* type_name(MetricType type) {
    switch (type) {
        case MetricType::counter:
            return "counter";
        case MetricType::gauge:
            return "gauge";
        case MetricType::histogram:
            return "histogram";
    }
    return "untyped";
}

// HELP text escapes backslash and line feed only (the format's rule for docstrings).
std::string escape_help(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_metric_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
    return fmt::format("{}", value);
}

std::string render_metrics(const std::vector<MetricFamily>& families) {
    std::string out;
    for (const auto& family : families) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, escape_help(family.help), family.name,
                           type_name(family.type));
        for (const auto& sample : family.samples) {
            out += family.name;
            out += sample.suffix;
            if (!sample.labels.empty()) {
                out += '{';
                bool first = true;
                for (const auto& [name, value] : sample.labels) {
                    if (!first) out += ',';
                    first = false;
                    out += fmt::format("{}=\"{}\"", name, escape_label_value(value));
                }
                out += '}';
            }
            out += ' ';
            out += format_metric_value(sample.value);
            out += '\n';
        }
    }
    return out;
}

}  // namespace staffeln::core
