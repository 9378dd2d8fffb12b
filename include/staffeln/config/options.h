// The table of every option staffeln reads: section, name, where its value lands in Config,
// one line of help, its bounds and whether it is secret. The loader validates by it and
// `config show` and `config sample` print by it, so they cannot drift apart.
#pragma once

#include "staffeln/config/config.h"

#include <optional>
#include <span>
#include <string_view>
#include <variant>

namespace staffeln::config {

struct Ignored {};  // accepted for upstream compatibility, has no effect here

using Target = std::variant<Ignored, bool& (*)(Config&), std::int64_t& (*)(Config&), std::string& (*)(Config&),
                            std::vector<std::string>& (*)(Config&), std::chrono::seconds& (*)(Config&),
                            CalendarDuration& (*)(Config&)>;

enum class Secrecy {
    none,
    whole,     // passwords: never shown
    url_auth,  // URLs: shown with the password part masked (log::redact_url)
};

struct Option {
    std::string_view section;
    std::string_view name;
    Target target;
    std::string_view help{};  // one line for `config sample`: what it does, in a sentence
    // Bounds of integer and duration (in seconds) options; every one has a max, which keeps
    // a clock's time point plus or minus the value in range.
    std::optional<std::int64_t> min{};
    std::optional<std::int64_t> max{};
    Secrecy secrecy = Secrecy::none;
    std::string_view note{};  // for ignored options: why
    // Extra check of the parsed text; returns why it is wrong, or an empty string.
    std::string (*check)(const std::string& value) = nullptr;
};

std::span<const Option> options();
// The option's effective value in config as text; shown_option_value masks secrets the way
// `config show` prints them.
std::string option_value(const Config& config, const Option& option);
std::string shown_option_value(const Config& config, const Option& option);
const Option* find_option(std::string_view section, std::string_view name);
bool is_known_section(std::string_view section);

}  // namespace staffeln::config
