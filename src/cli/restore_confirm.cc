#include "restore_confirm.h"

#include "restore_progress.h"

#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

namespace staffeln::cli {

Confirmation confirm_overwrite(const std::vector<std::string>& what) {
    if (!is_terminal(stdin) || !is_terminal(stderr)) return Confirmation::no_terminal;
    print_line(stderr, fmt::format("This restore overwrites the data of {} volume{} with their backups:", what.size(),
                                   what.size() == 1 ? "" : "s"));
    for (const auto& line : what) print_line(stderr, "  " + line);
    std::fputs("What they hold now is lost. Type yes to go on: ", stderr);
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return Confirmation::declined;
    return answer == "yes" ? Confirmation::confirmed : Confirmation::declined;
}

}  // namespace staffeln::cli
