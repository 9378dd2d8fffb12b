#include "staffeln/metrics.h"

namespace staffeln::metrics {

Registry::Series& Registry::series(const Definition& metric, core::MetricLabels labels) {
    auto& family = families_.try_emplace(metric.name, Family{&metric, {}}).first->second;
    auto [it, added] = family.series.try_emplace(std::move(labels));
    if (added) it->second.buckets.assign(metric.buckets.size(), 0);
    return it->second;
}

void Registry::add(const Definition& metric, core::MetricLabels labels, double amount) {
    if (!(amount >= 0)) return;
    MutexLock lock(mutex_);
    series(metric, std::move(labels)).value += amount;
}

void Registry::set(const Definition& metric, core::MetricLabels labels, double value) {
    MutexLock lock(mutex_);
    series(metric, std::move(labels)).value = value;
}

void Registry::observe(const Definition& metric, core::MetricLabels labels, double value) {
    MutexLock lock(mutex_);
    auto& s = series(metric, std::move(labels));
    for (std::size_t i = 0; i < metric.buckets.size(); ++i)
        if (value <= metric.buckets[i]) ++s.buckets[i];
    s.sum += value;
    ++s.count;
}

std::vector<core::MetricFamily> Registry::families() const {
    MutexLock lock(mutex_);
    std::vector<core::MetricFamily> out;
    for (const auto& [name, family] : families_) {
        const Definition& metric = *family.metric;
        core::MetricFamily rendered{std::string(metric.name), std::string(metric.help), metric.type, {}};
        for (const auto& [labels, s] : family.series) {
            if (metric.type != core::MetricType::histogram) {
                rendered.samples.push_back({"", labels, s.value});
                continue;
            }
            for (std::size_t i = 0; i < metric.buckets.size(); ++i) {
                auto with_le = labels;
                with_le.emplace_back("le", core::format_metric_value(metric.buckets[i]));
                rendered.samples.push_back({"_bucket", std::move(with_le), static_cast<double>(s.buckets[i])});
            }
            auto with_inf = labels;
            with_inf.emplace_back("le", "+Inf");
            rendered.samples.push_back({"_bucket", std::move(with_inf), static_cast<double>(s.count)});
            rendered.samples.push_back({"_sum", labels, s.sum});
            rendered.samples.push_back({"_count", labels, static_cast<double>(s.count)});
        }
        out.push_back(std::move(rendered));
    }
    return out;
}

Registry& process_registry() {
    static Registry registry;
    return registry;
}

}  // namespace staffeln::metrics
