// The configuration file reader (config/ini_file.h, config/config.h) on any text: no exception or
// undefined behaviour; errors are printable and never quote a value; every value parse_ini reads
// is written back by ini_value_text as text that reads back the same; and the configuration
// `config show` prints, loaded again, shows the same.
#include "fuzz_check.h"
#include "staffeln/config/config.h"
#include "staffeln/config/ini_file.h"

#include <cstdint>

using namespace staffeln;
using staffeln::fuzz::check;

namespace {

// What ini_value_text promises to write back for a value of several lines (ini_file.h).
bool continuable(std::string_view value) {
    std::size_t nl = value.find('\n');
    while (nl != std::string_view::npos) {
        const std::size_t next = value.find('\n', nl + 1);
        const std::string_view line = value.substr(nl + 1, next == std::string_view::npos ? next : next - nl - 1);
        if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == ' ' || line.front() == '\t' ||
            line.front() == '\r' || line.back() == ' ' || line.back() == '\t' || line.back() == '\r')
            return false;
        nl = next;
    }
    return true;
}

void check_value_round_trip(const config::IniEntry& entry) {
    const bool several_lines = entry.value.find('\n') != std::string::npos;
    if (several_lines && !continuable(entry.value)) return;
    const std::string text = "[s]\nkey = " + config::ini_value_text(entry.value) + "\n";
    const config::IniFile again = config::parse_ini(text);
    check(again.errors.empty() && again.entries.size() == 1, "a written value reads back as one entry");
    if (!several_lines)
        check(again.entries[0].value == entry.value, "ini_value_text writes a value that reads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::MemoryFile file;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const config::IniFile ini = config::parse_ini(text);
    for (const auto& error : ini.errors) check(fuzz::printable(error), "an INI error is printable");
    // `config show` writes values with ini_value_text, so it reads back the same only where that does.
    bool every_value_writable = true;
    for (const auto& entry : ini.entries) {
        if (entry.value.find('\n') != std::string::npos && !continuable(entry.value)) every_value_writable = false;
        check(!entry.key.empty() && !entry.section.empty(), "an entry has a key and a section");
        check_value_round_trip(entry);
        for (const auto& item : config::parse_list(entry.value)) check(!item.empty(), "parse_list drops empty items");
    }

    file.write(text);
    config::Sources sources;
    sources.files = {file.path()};
    const config::LoadResult loaded = config::load_config(sources);
    for (const auto& error : loaded.errors) check(fuzz::printable(error), "a configuration error is printable");
    for (const auto& warning : loaded.warnings) check(fuzz::printable(warning), "a configuration warning is printable");
    if (!loaded.ok() || !every_value_writable) return 0;
    const std::string shown = config::show_config(loaded.config);
    file.write(shown);
    const config::LoadResult again = config::load_config(sources);
    check(again.ok(), "what config show prints loads without error");
    check(config::show_config(again.config) == shown, "what config show prints, loaded again, shows the same");
    return 0;
}
