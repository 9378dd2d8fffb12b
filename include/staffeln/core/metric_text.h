// Prometheus' text exposition format (version 0.0.4) as a pure function: families of samples in,
// the text a scrape gets out. Label values are escaped as the format demands (backslash, double
// quote, line feed), so names coming from the cloud cannot break a line or forge a sample.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace staffeln::core {

enum class MetricType { counter, gauge, histogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
    std::string suffix;  // appended to the family's name: "", or "_bucket", "_sum", "_count"
    MetricLabels labels;
    double value = 0;
};

struct MetricFamily {
    std::string name;  // staffeln_..., with _total for a counter
    std::string help;
    MetricType type = MetricType::gauge;
    std::vector<MetricSample> samples;
};

// "# HELP", "# TYPE" and one line per sample, families in the given order; a family without
// samples still gets its HELP and TYPE lines.
std::string render_metrics(const std::vector<MetricFamily>& families);

// A label value as it goes between the double quotes.
std::string escape_label_value(std::string_view value);

// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN", otherwise the shortest
// text that reads back as the same double.
std::string format_metric_value(double value);

}  // namespace staffeln::core
