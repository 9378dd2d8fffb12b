#include "staffeln/config/database_url.h"

#include <fmt/format.h>

namespace staffeln::config {

Result<std::filesystem::path> database_path_from_url(std::string_view url) {
    constexpr std::string_view prefix = "sqlite:///";
    if (url.starts_with(prefix) && url.size() > prefix.size()) {
        std::string_view path = url.substr(prefix.size());
        if (path.find('?') != std::string_view::npos)
            return make_error(ErrorKind::invalid_input, "sqlite URL options ('?...') are not supported");
        return std::filesystem::path(path);
    }
    auto scheme_end = url.find("://");
    // The URL may carry a password: name only its scheme.
    std::string scheme = scheme_end == std::string_view::npos ? "no scheme" : std::string(url.substr(0, scheme_end));
    return make_error(ErrorKind::invalid_input,
                      fmt::format("unsupported database URL ({}): staffeln keeps its state in an embedded "
                                  "SQLite file; use sqlite:////var/lib/staffeln/staffeln.db (four slashes "
                                  "for an absolute path)",
                                  scheme));
}

}  // namespace staffeln::config
