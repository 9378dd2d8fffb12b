// [database] connection in SQLAlchemy's form, as upstream writes it: "sqlite:////abs/path.db"
// (four slashes: absolute) or "sqlite:///relative.db". Anything else, e.g. upstream's
// "mysql+pymysql://...", is refused with a message that says what to write instead.
#pragma once

#include "staffeln/result.h"

#include <filesystem>
#include <string_view>

namespace staffeln::config {

Result<std::filesystem::path> database_path_from_url(std::string_view url);

}  // namespace staffeln::config
