#include "staffeln/config/config.h"

#include "staffeln/config/database_url.h"
#include "staffeln/config/ini_file.h"
#include "staffeln/config/options.h"
#include "staffeln/duration.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace staffeln::config {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> items;
    std::stringstream in(value);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t\n"));
        item.erase(item.find_last_not_of(" \t\n") + 1);
        if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front())
            item = item.substr(1, item.size() - 2);
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

std::string bounds_text(const Option& option) {
    if (option.min && option.max) return fmt::format("an integer from {} to {}", *option.min, *option.max);
    if (option.min) return fmt::format("an integer of at least {}", *option.min);
    return "an integer";
}

// Parses value into option's field of config; returns why it is wrong, or "".
std::string assign(const Option& option, const std::string& value, Config& config) {
    struct Visitor {
        const Option& option;
        const std::string& value;
        Config& config;
        std::string operator()(Ignored) const { return {}; }
        std::string operator()(bool& (*field)(Config&)) const {
            auto v = lower(value);
            if (v == "true" || v == "yes" || v == "on" || v == "1") field(config) = true;
            else if (v == "false" || v == "no" || v == "off" || v == "0") field(config) = false;
            else return "expected a boolean (true/false, yes/no, on/off, 1/0)";
            return {};
        }
        std::string operator()(std::int64_t& (*field)(Config&)) const {
            std::int64_t n = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            bool in_range = ec == std::errc{} && end == value.data() + value.size() &&
                            (!option.min || n >= *option.min) && (!option.max || n <= *option.max);
            if (!in_range) return "expected " + bounds_text(option);
            field(config) = n;
            return {};
        }
        std::string operator()(std::string& (*field)(Config&)) const {
            field(config) = value;
            return {};
        }
        std::string operator()(std::vector<std::string>& (*field)(Config&)) const {
            field(config) = split_list(value);
            return {};
        }
        std::string operator()(std::chrono::seconds& (*field)(Config&)) const {
            auto d = parse_duration(value);
            if (!d) return d.error().message;
            field(config) = *d;
            return {};
        }
    };
    if (option.check) {
        if (auto why = option.check(value); !why.empty()) return why;
    }
    return std::visit(Visitor{option, value, config}, option.target);
}

std::string shown_value(const Option& option, const std::string& value) {
    switch (option.secrecy) {
    case Secrecy::none: return value;
    case Secrecy::whole: return value.empty() ? value : "***";
    case Secrecy::url_auth: return mask_url_password(value);
    }
    return value;
}

void apply_file(const fs::path& file, const std::string& text, LoadResult& out) {
    IniFile ini = parse_ini(text);
    for (const auto& error : ini.errors) out.errors.push_back(fmt::format("{}:{}", file.string(), error));
    for (const auto& [section, line] : ini.sections)
        if (!is_known_section(section))
            out.warnings.push_back(fmt::format("{}:{}: unknown section [{}] (ignored)", file.string(), line, section));
    for (const auto& entry : ini.entries) {
        if (!is_known_section(entry.section)) continue;
        const Option* option = find_option(entry.section, entry.key);
        std::string where = fmt::format("{}:{}: [{}] {}", file.string(), entry.line, entry.section, entry.key);
        if (!option) {
            out.warnings.push_back(where + ": unknown option (ignored)");
            continue;
        }
        if (std::holds_alternative<Ignored>(option->target)) {
            out.warnings.push_back(fmt::format("{}: ignored: {}", where, option->note));
            continue;
        }
        if (auto why = assign(*option, entry.value, out.config); !why.empty())
            out.errors.push_back(fmt::format("{} = {}: {}", where, shown_value(*option, entry.value), why));
    }
}

void read_file(const fs::path& file, bool missing_is_fine, LoadResult& out) {
    std::error_code ec;
    if (missing_is_fine && !fs::exists(file, ec)) return;
    if (fs::is_directory(file, ec)) {
        out.errors.push_back(fmt::format("{}: is a directory, expected a configuration file", file.string()));
        return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        out.errors.push_back(fmt::format("{}: cannot read configuration file: {}", file.string(),
                                         std::strerror(errno)));
        return;
    }
    std::stringstream text;
    text << in.rdbuf();
    out.files_read.push_back(file);
    apply_file(file, text.str(), out);
}

std::vector<fs::path> conf_files_in(const fs::path& dir, LoadResult& out) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        out.errors.push_back(fmt::format("{}: cannot read configuration directory: {}", dir.string(), ec.message()));
        return files;
    }
    for (const auto& entry : it)
        if (entry.path().extension() == ".conf" && !entry.is_directory()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

void derive_database_path(LoadResult& out) {
    auto& db = out.config.database;
    if (db.connection.empty()) {
        fs::path state = out.config.defaults.state_path.empty() ? fs::path("/var/lib/staffeln")
                                                                 : fs::path(out.config.defaults.state_path);
        db.path = state / "staffeln.db";
        db.connection = "sqlite:///" + db.path.string();
        return;
    }
    if (auto path = database_path_from_url(db.connection)) db.path = *path;
}

}  // namespace

LoadResult load_config(const Sources& sources) {
    LoadResult out;
    for (const auto& file : sources.files) read_file(file, sources.files_are_defaults, out);
    if (!sources.dir.empty())
        for (const auto& file : conf_files_in(sources.dir, out)) read_file(file, false, out);
    derive_database_path(out);
    return out;
}

std::string option_value(const Config& config, const Option& option) {
    struct Printer {
        const Config& config;
        std::string operator()(Ignored) const { return {}; }
        std::string operator()(bool& (*field)(Config&)) const { return field(mut()) ? "true" : "false"; }
        std::string operator()(std::int64_t& (*field)(Config&)) const { return std::to_string(field(mut())); }
        std::string operator()(std::string& (*field)(Config&)) const { return field(mut()); }
        std::string operator()(std::vector<std::string>& (*field)(Config&)) const {
            return fmt::format("{}", fmt::join(field(mut()), ","));
        }
        std::string operator()(std::chrono::seconds& (*field)(Config&)) const {
            return format_duration(field(mut()));
        }
        // The table's accessors take a mutable Config; printing only reads through them.
        Config& mut() const { return const_cast<Config&>(config); }
    };
    return std::visit(Printer{config}, option.target);
}

std::string shown_option_value(const Config& config, const Option& option) {
    return shown_value(option, option_value(config, option));
}

std::string show_config(const Config& config) {
    std::string out;
    std::string_view section;
    for (const auto& option : options()) {
        if (std::holds_alternative<Ignored>(option.target)) continue;
        if (option.section == "conductor" && option.name == "backup_cycle_timeout") continue;  // alias
        if (option.section != section) {
            out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", option.section);
            section = option.section;
        }
        out += fmt::format("{} = {}\n", option.name, shown_option_value(config, option));
    }
    return out;
}

}  // namespace staffeln::config
