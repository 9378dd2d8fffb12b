#include "staffeln/core/backup_name.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

const TimePoint kNow{std::chrono::seconds(1763785360)};

Server server(std::string name) {
    Server s;
    s.id = "srv-id";
    s.name = std::move(name);
    return s;
}

Volume volume(std::string name) {
    Volume v;
    v.id = "vol-id";
    v.name = std::move(name);
    return v;
}

std::size_t chars(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

}  // namespace

TEST_CASE("a backup is named instance_volume_unixtime") {
    CHECK(backup_name(server("web-1"), volume("root"), kNow) == "web-1_root_1763785360");
}

TEST_CASE("an unnamed volume is named by its id, an unnamed server too") {
    CHECK(backup_name(server("web-1"), volume(""), kNow) == "web-1_vol-id_1763785360");
    CHECK(backup_name(server(""), volume("data"), kNow) == "srv-id_data_1763785360");
}

TEST_CASE("each part of the name is cut to 100 characters") {
    auto name = backup_name(server(std::string(150, 's')), volume(std::string(120, 'v')), kNow);
    CHECK(name == std::string(100, 's') + "_" + std::string(100, 'v') + "_1763785360");
}

TEST_CASE("cutting counts characters and never splits a multi-byte UTF-8 character") {
    std::string e_acute = "\xC3\xA9";        // 2 bytes
    std::string snowman = "\xE2\x98\x83";    // 3 bytes
    std::string emoji = "\xF0\x9F\x92\xBE";  // 4 bytes
    for (const auto& ch : {e_acute, snowman, emoji}) {
        std::string long_name;
        for (int i = 0; i < 150; ++i) long_name += ch;
        auto name = backup_name(server(long_name), volume("v"), kNow);
        auto instance = name.substr(0, name.find('_'));
        CHECK(chars(instance) == 100);
        CHECK(instance.size() == 100 * ch.size());
    }
}

TEST_CASE("utf8_prefix keeps whole characters and counts a stray byte as one") {
    struct Row {
        std::string text;
        std::size_t max;
        std::string expected;
    };
    const Row rows[] = {
        {"abc", 2, "ab"},
        {"abc", 5, "abc"},
        {"", 3, ""},
        {"a\xC3\xA9z", 2, "a\xC3\xA9"},
        {"\xE2\x98\x83\xE2\x98\x83", 1, "\xE2\x98\x83"},
        {"\xFF\xFEx", 2, "\xFF\xFE"},  // invalid lead bytes
        {"\xC3x", 1, "\xC3"},          // truncated sequence: one stray byte
        {"ab\xE2\x98", 3, "ab\xE2"},   // sequence cut at the end of the text
        {"abc", 0, ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CHECK(utf8_prefix(row.text, row.max) == row.expected);
    }
}

TEST_CASE("the whole name never exceeds 255 characters") {
    std::string emoji = "\xF0\x9F\x92\xBE";
    std::string long_name;
    for (int i = 0; i < 300; ++i) long_name += emoji;
    auto name = backup_name(server(long_name), volume(long_name), kNow);
    CHECK(chars(name) <= 255);
    CHECK(chars(name) == 100 + 1 + 100 + 1 + 10);
}
