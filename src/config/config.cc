#include "staffeln/config/config.h"

#include "staffeln/config/database_url.h"
#include "staffeln/config/ini_file.h"
#include "staffeln/config/options.h"
#include "staffeln/database_scheme.h"
#include "staffeln/duration.h"
#include "staffeln/text_safety.h"
#include "staffeln/regular_file.h"
#include "staffeln/url_password.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace staffeln::config {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// The allowed range as the error states it: "an integer from 1 to 600", "a duration of at most 1y".
std::string bounds_text(const Option& option, bool duration) {
    auto text = [duration](std::int64_t n) {
        return duration ? format_duration(std::chrono::seconds(n)) : std::to_string(n);
    };
    std::string_view kind = duration ? "a duration" : "an integer";
    if (option.min && option.max) return fmt::format("{} from {} to {}", kind, text(*option.min), text(*option.max));
    if (option.min) return fmt::format("{} of at least {}", kind, text(*option.min));
    if (option.max) return fmt::format("{} of at most {}", kind, text(*option.max));
    return std::string(kind);
}

bool within_bounds(const Option& option, std::int64_t n) {
    return (!option.min || n >= *option.min) && (!option.max || n <= *option.max);
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
            if (v == "true" || v == "yes" || v == "on" || v == "1")
                field(config) = true;
            else if (v == "false" || v == "no" || v == "off" || v == "0")
                field(config) = false;
            else
                return "expected a boolean (true/false, yes/no, on/off, 1/0)";
            return {};
        }
        std::string operator()(std::int64_t& (*field)(Config&)) const {
            std::int64_t n = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            bool in_range = ec == std::errc{} && end == value.data() + value.size() && within_bounds(option, n);
            if (!in_range) return "expected " + bounds_text(option, false);
            field(config) = n;
            return {};
        }
        std::string operator()(std::string& (*field)(Config&)) const {
            field(config) = value;
            return {};
        }
        std::string operator()(std::vector<std::string>& (*field)(Config&)) const {
            field(config) = parse_list(value);
            return {};
        }
        std::string operator()(std::chrono::seconds& (*field)(Config&)) const {
            auto d = parse_duration(value);
            if (!d) return d.error().message;
            if (!within_bounds(option, d->count())) return "expected " + bounds_text(option, true);
            field(config) = *d;
            return {};
        }
        // Bounded by its length with 30-day months, read as calendar months back from now.
        std::string operator()(CalendarDuration& (*field)(Config&)) const {
            auto d = parse_duration(value);
            if (!d) return d.error().message;
            if (!within_bounds(option, d->count())) return "expected " + bounds_text(option, true);
            field(config) = *parse_calendar_duration(value);
            return {};
        }
    };
    if (option.check) {
        if (auto why = option.check(value); !why.empty()) return why;
    }
    return std::visit(Visitor{option, value, config}, option.target);
}

// Where each option got its value: "FILE:LINE" of the last line that set it.
using SetAt = std::map<const Option*, std::string>;

std::string shown_value(const Option& option, const std::string& value) {
    switch (option.secrecy) {
        case Secrecy::none:
            return value;
        case Secrecy::whole:
            return value.empty() ? value : "***";
        case Secrecy::url_auth:
            return redact_url(value);
    }
    return value;
}

// Every piece of outside text in a message is made printable: the file's name, its section
// and option names and a (masked) value may hold terminal escapes.
void apply_file(const fs::path& file, const std::string& text, LoadResult& out, SetAt& set_at) {
    IniFile ini = parse_ini(text);
    const std::string name = escape_control_chars(file.string());
    for (const auto& error : ini.errors) out.errors.push_back(fmt::format("{}:{}", name, error));
    for (const auto& [section, line] : ini.sections)
        if (!is_known_section(section))
            out.warnings.push_back(
                fmt::format("{}:{}: unknown section [{}] (ignored)", name, line, escape_control_chars(section)));
    for (const auto& entry : ini.entries) {
        if (!is_known_section(entry.section)) continue;
        const Option* option = find_option(entry.section, entry.key);
        std::string where =
            fmt::format("{}:{}: [{}] {}", name, entry.line, entry.section, escape_control_chars(entry.key));
        if (!option) {
            out.warnings.push_back(where + ": unknown option (ignored)");
            continue;
        }
        if (std::holds_alternative<Ignored>(option->target)) {
            out.warnings.push_back(fmt::format("{}: ignored: {}", where, option->note));
            continue;
        }
        if (auto why = assign(*option, entry.value, out.config); !why.empty())
            out.errors.push_back(fmt::format("{} = {}: {}", where,
                                             escape_control_chars(shown_value(*option, entry.value)),
                                             escape_control_chars(why)));
        else
            set_at[option] = fmt::format("{}:{}", name, entry.line);
    }
}

// total: the bytes of the files read so far. False once it passes kMaxConfigTotalBytes: stop reading.
bool read_file(const fs::path& file, bool missing_is_fine, std::size_t& total, LoadResult& out, SetAt& set_at) {
    auto text = read_regular_file(file, "configuration file");
    if (!text) {
        if (!(missing_is_fine && text.error().kind == ErrorKind::not_found)) out.errors.push_back(text.error().message);
        return true;
    }
    total += text->size();
    if (total > kMaxConfigTotalBytes) {
        out.errors.push_back(
            fmt::format("{}: the configuration files read come to more than {} bytes together "
                        "(the rest is not read)",
                        escape_control_chars(file.string()), kMaxConfigTotalBytes));
        return false;
    }
    out.files_read.push_back(file);
    apply_file(file, *text, out, set_at);
    return true;
}

std::vector<fs::path> conf_files_in(const fs::path& dir, LoadResult& out) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        out.errors.push_back(fmt::format("{}: cannot read configuration directory: {}",
                                         escape_control_chars(dir.string()), ec.message()));
        return files;
    }
    // As oslo.config's glob "*.conf": a name starting with '.' (an editor's lock or swap file,
    // ".#staffeln.conf") is not read.
    for (const auto& entry : it) {
        const auto name = entry.path().filename().string();
        if (name.starts_with('.') || entry.path().extension() != ".conf" || entry.is_directory(ec)) continue;
        if (files.size() == kMaxConfigDirFiles) {
            out.errors.push_back(fmt::format("{}: more than {} *.conf files in the configuration directory (none read)",
                                             escape_control_chars(dir.string()), kMaxConfigDirFiles));
            return {};
        }
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void derive_database_path(LoadResult& out) {
    auto& db = out.config.database;
    fs::path state = out.config.defaults.state_path.empty() ? fs::path("/var/lib/staffeln")
                                                            : fs::path(out.config.defaults.state_path);
    if (is_mysql_url(db.connection)) {
        // Upstream's MySQL database: imported from, never used as the store.
        db.upstream_connection = db.connection;
        auto path = db.sqlite_connection.empty() ? Result<fs::path>(state / "staffeln.db")
                                                 : database_path_from_url(db.sqlite_connection);
        db.path = path ? *path : state / "staffeln.db";  // a bad sqlite_connection is an error already
        return;
    }
    if (!db.sqlite_connection.empty())
        out.warnings.push_back(
            fmt::format("[database] sqlite_connection = {}: ignored: [database] connection is "
                        "not MySQL, so it names the store itself",
                        db.sqlite_connection));
    if (db.connection.empty()) {
        db.path = state / "staffeln.db";
        db.connection = "sqlite:///" + db.path.string();
        return;
    }
    if (auto path = database_path_from_url(db.connection)) db.path = *path;
}

// The command line's oslo.log flags win over the files; then log_dir places the log file as
// oslo.log does: log_dir/log_file (an absolute log_file stays itself), or log_dir/<program>.log.
void apply_command_line(const Sources& sources, LoadResult& out) {
    auto& defaults = out.config.defaults;
    if (sources.debug) defaults.debug = true;
    if (!sources.log_file.empty()) defaults.log_file = sources.log_file;
    if (!sources.log_dir.empty()) defaults.log_dir = sources.log_dir;
    if (defaults.log_dir.empty()) return;
    fs::path file = defaults.log_file.empty() ? fs::path(sources.program + ".log") : fs::path(defaults.log_file);
    defaults.log_file = (fs::path(defaults.log_dir) / file).string();
}

// Options that only make sense together, reported where the one that needs the others was set.
void check_combinations(const SetAt& set_at, LoadResult& out) {
    const auto& c = out.config.conductor;
    for (const auto& item : c.exclude_projects)
        if (std::find(c.include_projects.begin(), c.include_projects.end(), item) != c.include_projects.end())
            out.errors.push_back(fmt::format("{}: [conductor] exclude_projects: '{}' is in include_projects too ({})",
                                             set_at.at(find_option("conductor", "exclude_projects")),
                                             escape_control_chars(item),
                                             set_at.at(find_option("conductor", "include_projects"))));
    const auto& api = out.config.api;
    if (api.enabled_ssl) {
        std::vector<std::string_view> missing;
        if (api.ssl_cert_file.empty()) missing.push_back("ssl_cert_file");
        if (api.ssl_key_file.empty()) missing.push_back("ssl_key_file");
        if (!missing.empty())
            out.errors.push_back(fmt::format("{}: [api] enabled_ssl = true: needs [api] {}",
                                             set_at.at(find_option("api", "enabled_ssl")),
                                             fmt::join(missing, " and [api] ")));
    }
}

}  // namespace

LoadResult load_config(const Sources& sources) {
    LoadResult out;
    SetAt set_at;
    std::size_t total = 0;
    bool within = true;
    for (const auto& file : sources.files)
        if (within) within = read_file(file, sources.files_are_defaults, total, out, set_at);
    if (within && !sources.dir.empty())
        for (const auto& file : conf_files_in(sources.dir, out))
            if (within) within = read_file(file, false, total, out, set_at);
    apply_command_line(sources, out);
    derive_database_path(out);
    check_combinations(set_at, out);
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
        std::string operator()(std::chrono::seconds& (*field)(Config&)) const { return format_duration(field(mut())); }
        std::string operator()(CalendarDuration& (*field)(Config&)) const {
            return format_calendar_duration(field(mut()));
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
        out += fmt::format("{} = {}\n", option.name, ini_value_text(shown_option_value(config, option)));
    }
    return out;
}

std::string sample_config() {
    const Config defaults;
    std::string out =
        "# staffeln's configuration: every option, with its default, commented out. Written by\n"
        "# `staffeln config sample`; upstream Staffeln's staffeln.conf loads as it is\n"
        "# (docs/configuration.md).\n";
    std::string_view section;
    for (const auto& option : options()) {
        if (option.section != section) {
            out += fmt::format("\n[{}]\n", option.section);
            section = option.section;
        }
        auto value = ini_value_text(option_value(defaults, option));
        out += fmt::format("\n# {}\n#{} ={}{}\n", option.help, option.name, value.empty() ? "" : " ", value);
    }
    return out;
}

}  // namespace staffeln::config
