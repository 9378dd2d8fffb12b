// The text a GET /metrics answers, on the API and on the conductor's metrics_listen: the
// process's registry (metrics.h) and what the store shows (core/store_metrics.h), read from a
// read-only connection opened for the scrape, which may wait behind a writer (up to Database's
// 5 s to open, then 2 s to read): the server calls it on a lookup thread, off its event loops
// (server.h). Without a store path, the
// registry alone.
#pragma once

#include <filesystem>
#include <string>

namespace staffeln::api {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string metrics_page(const std::filesystem::path& store);

}  // namespace staffeln::api
