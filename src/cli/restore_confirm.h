// The question `staffeln restore --into original` asks before it writes over volumes: on a
// terminal, the volumes named and "yes" to be typed; without a terminal (a script, a pipe) it
// cannot ask, so the restore is refused unless the command says --yes.
#pragma once

#include <string>
#include <vector>

namespace staffeln::cli {

enum class Confirmation { confirmed, declined, no_terminal };

// `what`: one line per volume to be overwritten. Asks on stderr, reads the answer from stdin.
Confirmation confirm_overwrite(const std::vector<std::string>& what);

}  // namespace staffeln::cli
