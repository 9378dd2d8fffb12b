#include "staffeln/text_safety.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

using namespace staffeln;

TEST_CASE("printable text, UTF-8 included, is written as it is") {
    CHECK(escape_control_chars("") == "");
    CHECK(escape_control_chars("web-1 (demo) ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./") ==
          "web-1 (demo) ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./");
    CHECK(escape_control_chars("Zürich-Ωμέγα-日本-🙂") == "Zürich-Ωμέγα-日本-🙂");
}

TEST_CASE("line breaks, tabs and the escape character become visible escapes") {
    CHECK(escape_control_chars("web-1\n2026-11-22T04:22:40.123Z ERROR conductor: forged") ==
          "web-1\\n2026-11-22T04:22:40.123Z ERROR conductor: forged");
    CHECK(escape_control_chars("a\r\nb\tc") == "a\\r\\nb\\tc");
    CHECK(escape_control_chars("\x1b[2J\x1b]0;title\x07") == "\\x1b[2J\\x1b]0;title\\x07");
}

TEST_CASE("every other C0 control, NUL and DEL become \\xNN") {
    CHECK(escape_control_chars(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(escape_control_chars("\x01\x08\x0b\x0c\x1f\x7f") == "\\x01\\x08\\x0b\\x0c\\x1f\\x7f");
    for (int c = 0; c < 0x20; ++c) {
        CAPTURE(c);
        auto escaped = escape_control_chars(std::string(1, static_cast<char>(c)));
        CHECK(escaped.size() >= 2);
        CHECK(escaped[0] == '\\');
    }
}

TEST_CASE("C1 controls and the Unicode line separators become \\uNNNN") {
    CHECK(escape_control_chars("a\xc2\x85z") == "a\\u0085z");  // NEXT LINE
    CHECK(escape_control_chars("\xc2\x9b"
                               "31m") == "\\u009b31m");                                   // CSI
    CHECK(escape_control_chars("\xc2\x80\xc2\x9f\xc2\xa0") == "\\u0080\\u009f\xc2\xa0");  // NBSP is kept
    CHECK(escape_control_chars("a\xe2\x80\xa8z\xe2\x80\xa9") == "a\\u2028z\\u2029");
}

TEST_CASE("bytes that are not UTF-8 become \\xNN, so that no C1 byte reaches a terminal raw") {
    CHECK(escape_control_chars("\x9b"
                               "31m") == "\\x9b31m");
    CHECK(escape_control_chars("a\xff\xfe") == "a\\xff\\xfe");
    CHECK(escape_control_chars("\xc3") == "\\xc3");                    // truncated sequence
    CHECK(escape_control_chars("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
    CHECK(escape_control_chars("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    CHECK(escape_control_chars("\xe2\x82") == "\\xe2\\x82");
}

TEST_CASE("append_escaped adds to what the string holds") {
    std::string line = "INFO conductor: ";
    append_escaped(line, "server\nname");
    CHECK(line == "INFO conductor: server\\nname");
}

TEST_CASE("print_line writes one escaped line, whatever the text carries") {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    print_line(file, "problem: server web\n\x1b[2Jforged");
    std::rewind(file);
    char buffer[128] = {};
    auto n = std::fread(buffer, 1, sizeof buffer - 1, file);
    std::fclose(file);
    CHECK(std::string(buffer, n) == "problem: server web\\n\\x1b[2Jforged\n");
}
