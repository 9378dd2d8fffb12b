// Backup windows (core/backup_window.h): the grammar, its errors word for word, and which
// seconds of the day a window holds, checked against a walk round the clock for every window on
// a quarter-hour grid.
#include "staffeln/core/backup_window.h"

#include <doctest/doctest.h>

#include <string>

using namespace staffeln::core;

TEST_CASE("a backup window is HH:MM-HH:MM, possibly across midnight, read back as written") {
    struct Row {
        const char* text;
        BackupWindow window;
    };
    for (auto [text, window] :
         {Row{"01:00-05:00", {60, 300}}, Row{"22:00-04:00", {1320, 240}}, Row{"00:00-24:00", {0, 1440}},
          Row{"23:30-24:00", {1410, 1440}}, Row{"00:00-00:01", {0, 1}}, Row{"12:34-12:33", {754, 753}}}) {
        CAPTURE(text);
        auto parsed = parse_backup_window(text);
        REQUIRE(parsed.ok());
        CHECK(*parsed == window);
        CHECK(to_string(*parsed) == text);
    }
}

TEST_CASE("a bad backup window names the text and what was expected") {
    const std::string shape = "expected HH:MM-HH:MM in 24-hour time, such as 01:00-05:00 or 22:00-04:00";
    struct Row {
        const char* text;
        std::string why;
    };
    for (const auto& [text, why] :
         {Row{"", shape}, Row{"1:00-5:00", shape}, Row{"01:00", shape}, Row{"01:00-05:00 ", shape},
          Row{" 01:00-05:00", shape}, Row{"01:00-", shape}, Row{"01:60-02:00", shape}, Row{"25:00-01:00", shape},
          Row{"01:00-24:30", shape}, Row{"01.00-05.00", shape}, Row{"01:00--05:00", shape}, Row{"always", shape},
          Row{"24:00-01:00", "a window cannot start at 24:00 (write 00:00)"},
          Row{"05:00-05:00", "its start and end are the same time (leave it unset for no window)"},
          Row{"00:00-00:00", "its start and end are the same time (leave it unset for no window)"}}) {
        CAPTURE(text);
        auto parsed = parse_backup_window(text);
        REQUIRE(!parsed.ok());
        CHECK(parsed.error().message == "invalid backup window '" + std::string(text) + "' (" + why + ")");
    }
}

TEST_CASE("a window holds its start and not its end, across midnight too") {
    auto w = *parse_backup_window("01:00-05:00");
    CHECK(!window_contains(w, 3599));  // 00:59:59
    CHECK(window_contains(w, 3600));
    CHECK(window_contains(w, 5 * 3600 - 1));
    CHECK(!window_contains(w, 5 * 3600));
    auto night = *parse_backup_window("22:00-04:00");
    CHECK(!window_contains(night, 22 * 3600 - 1));
    CHECK(window_contains(night, 22 * 3600));
    CHECK(window_contains(night, 86399));
    CHECK(window_contains(night, 0));
    CHECK(window_contains(night, 4 * 3600 - 1));
    CHECK(!window_contains(night, 4 * 3600));
    CHECK(!window_contains(night, 12 * 3600));
    auto day = *parse_backup_window("00:00-24:00");
    CHECK(window_contains(day, 0));
    CHECK(window_contains(day, 86399));
}

TEST_CASE("property: a window holds exactly the minutes met walking from its start to its end") {
    for (int start = 0; start < 1440; start += 15) {
        for (int end = 0; end <= 1440; end += 15) {
            if (start == end) continue;
            BackupWindow w{start, end};
            bool inside[1440] = {};
            for (int m = start; m % 1440 != end % 1440 || m == start; ++m) inside[m % 1440] = true;
            int wrong = -1;
            for (int m = 0; m < 1440 && wrong < 0; ++m)
                if (window_contains(w, m * 60LL) != inside[m] || window_contains(w, m * 60LL + 59) != inside[m])
                    wrong = m;
            CAPTURE(start);
            CAPTURE(end);
            REQUIRE(wrong == -1);
        }
    }
}
