// [database] connection in SQLAlchemy's form, as upstream writes it: "sqlite:////abs/path.db"
// (four slashes: absolute) or "sqlite:///relative.db". Anything else is refused with a message that
// says what to write instead; upstream's "mysql+pymysql://..." is not given to it (config.h:
// upstream_connection).
#pragma once

#include "staffeln/result.h"

#include <filesystem>
#include <string_view>

namespace staffeln::config {

Result<std::filesystem::path> database_path_from_url(std::string_view url);

}  // namespace staffeln::config
