// OpenStack listing pages as the client parses them (openstack/resource_json.h, through
// parse_response and the field filter Session::get_all applies): no exception escapes, and the
// filter changes nothing, so a page parsed keeping only the fields read gives the very items a
// page parsed whole gives. The first byte picks volumes, backups, snapshots or servers.
#include "fuzz_check.h"
#include "staffeln/openstack/resource_json.h"

#include <cstdint>
#include <tuple>

using namespace staffeln;
using namespace staffeln::openstack;
using staffeln::fuzz::check;

namespace {

auto fields(const Volume& v) {
    return std::tie(v.id, v.name, v.project_id, v.status, v.size_gb, v.metadata, v.bootable, v.device);
}
auto fields(const Backup& b) {
    return std::tie(b.id, b.name, b.description, b.project_id, b.volume_id, b.status, b.fail_reason, b.is_incremental,
                    b.has_dependent_backups, b.created_at, b.data_timestamp, b.size_gb, b.snapshot_id, b.metadata);
}
auto fields(const Snapshot& s) {
    return std::tie(s.id, s.name, s.project_id, s.volume_id, s.status, s.created_at, s.size_gb, s.metadata);
}
auto fields(const Server& s) {
    const ServerShape& h = s.shape;
    return std::tie(s.id, s.name, s.project_id, s.status, s.metadata, s.volume_ids, h.flavor, h.image_id,
                    h.availability_zone, h.key_name, h.root_device_name, h.security_groups, h.addresses,
                    h.delete_on_termination, h.problems);
}

template <class Item>
void check_page(const std::string& body, ItemFields keep, Item (*parse)(const Json&)) {
    auto page = [&](const Json& json) {
        std::vector<Item> items;
        for (const Json& item : array_field(json, keep.array)) items.push_back(parse(item));
        return items;
    };
    const auto kept = parse_response("fuzz GET", body, page, keep);
    const auto whole = parse_response("fuzz GET", body, page);
    check(kept.ok() == whole.ok(), "the field filter does not change whether a page parses");
    if (!kept.ok()) {
        check(kept.error().kind == ErrorKind::invalid_input, "a bad page is invalid_input");
        return;
    }
    check(kept->size() == whole->size(), "the field filter keeps every item");
    for (std::size_t i = 0; i < kept->size(); ++i)
        check(fields((*kept)[i]) == fields((*whole)[i]), "the field filter keeps every field the parser reads");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0:
            check_page(body, kVolumeItems, &parse_volume);
            break;
        case 1:
            check_page(body, kBackupItems, &parse_backup);
            break;
        case 2:
            check_page(body, kSnapshotItems, &parse_snapshot);
            break;
        default:
            check_page(body, kServerItems, &parse_server);
            break;
    }
    return 0;
}
