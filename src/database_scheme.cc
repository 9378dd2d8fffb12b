#include "staffeln/database_scheme.h"

#include <algorithm>
#include <array>

namespace staffeln {

bool is_mysql_url(std::string_view url) {
    constexpr std::array<std::string_view, 4> schemes = {"mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb+pymysql"};
    auto end = url.find("://");
    if (end == std::string_view::npos) return false;
    return std::find(schemes.begin(), schemes.end(), url.substr(0, end)) != schemes.end();
}

}  // namespace staffeln
