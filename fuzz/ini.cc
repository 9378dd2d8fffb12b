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

void check_value_round_trip(const config::IniEntry& entry) {
    const std::string text = "[s]\nkey = " + config::ini_value_text(entry.value) + "\n";
    const config::IniFile again = config::parse_ini(text);
    check(again.errors.empty() && again.entries.size() == 1, "a written value reads back as one entry");
    check(again.entries[0].value == entry.value, "ini_value_text writes a value that reads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::MemoryFile file;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const config::IniFile ini = config::parse_ini(text);
    for (const auto& error : ini.errors) check(fuzz::printable(error), "an INI error is printable");
    for (const auto& entry : ini.entries) {
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
    if (!loaded.ok()) return 0;
    const std::string shown = config::show_config(loaded.config);
    file.write(shown);
    const config::LoadResult again = config::load_config(sources);
    check(again.ok(), "what config show prints loads without error");
    check(config::show_config(again.config) == shown, "what config show prints, loaded again, shows the same");
    return 0;
}
