// The process's own counters, gauges and histograms (what the store cannot tell: requests sent,
// answers given, cycles run), kept in one thread-safe registry that /metrics renders. Each
// metric is a Definition (metric_catalog.h names them all); a series is one set of label
// values. Values live as long as the process: counters restart at 0, as Prometheus expects.
#pragma once

#include "staffeln/core/metric_text.h"
#include "staffeln/thread_annotations.h"

#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <vector>

namespace staffeln::metrics {

struct Definition {
    std::string_view name;
    std::string_view help;
    core::MetricType type;
    std::span<const double> buckets = {};  // a histogram's upper bounds, ascending (+Inf is implied)
};

class Registry {
public:
    // A counter grows by amount (never negative: a negative amount is ignored).
    void add(const Definition& metric, core::MetricLabels labels, double amount = 1) EXCLUDES(mutex_);
    // A gauge takes the value.
    void set(const Definition& metric, core::MetricLabels labels, double value) EXCLUDES(mutex_);
    // A histogram counts the value into its buckets, sum and count.
    void observe(const Definition& metric, core::MetricLabels labels, double value) EXCLUDES(mutex_);

    // Every metric that has a series, by name; series in label order; histograms cumulative.
    std::vector<core::MetricFamily> families() const EXCLUDES(mutex_);

private:
    struct Series {
        double value = 0;                    // counter, gauge
        std::vector<std::uint64_t> buckets;  // histogram: observations <= each bound
        double sum = 0;
        std::uint64_t count = 0;
    };
    struct Family {
        const Definition* metric;
        std::map<core::MetricLabels, Series> series;
    };
    Series& series(const Definition& metric, core::MetricLabels labels) REQUIRES(mutex_);

    mutable Mutex mutex_;
    std::map<std::string_view, Family> families_ GUARDED_BY(mutex_);
};

// The registry of this process, which every component records into.
Registry& process_registry();

}  // namespace staffeln::metrics
