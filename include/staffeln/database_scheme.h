// Which database a SQLAlchemy URL names, by its scheme alone: upstream Staffeln's MySQL
// (mysql://, mysql+pymysql://, mysql+mysqldb://, mariadb+pymysql://) or another. Pure; shared by
// the configuration (where such a [database] connection means "import from it") and the reader.
#pragma once

#include <string_view>

namespace staffeln {

bool is_mysql_url(std::string_view url);

}  // namespace staffeln
