// clouds.yaml (openstack/credentials.h) on any text: no exception escapes credentials_from_clouds_yaml
// (yaml-cpp's are turned into errors naming the file), and credentials it returns have an auth URL.
// The cloud read is "fuzz"; the seeds name it.
#include "fuzz_check.h"
#include "staffeln/openstack/credentials.h"

#include <cstdint>

using namespace staffeln;
using staffeln::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::MemoryFile file;
    file.write(std::string_view(reinterpret_cast<const char*>(data), size));
    const auto credentials = openstack::credentials_from_clouds_yaml("fuzz", {file.path()});
    if (credentials) check(!credentials->auth_url.empty(), "credentials read have an auth URL");
    return 0;
}
