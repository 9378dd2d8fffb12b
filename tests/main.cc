// The test executables' entry point: doctest's, plus one rule. A run whose filter matches no
// test case fails: CTest names each test by its TEST_CASE, and a name it cannot pass through
// whole (it splits at ';') would otherwise run nothing and be reported as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

unsigned matched_test_cases = 0;
bool test_run_ended = false;

struct MatchCounter : doctest::IReporter {
    explicit MatchCounter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override {
        test_run_ended = true;
        matched_test_cases = stats.numTestCasesPassingFilters;
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("match_counter", 1, MatchCounter);

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    int result = context.run();
    if (context.shouldExit() || !test_run_ended || matched_test_cases > 0) return result;
    std::fprintf(stderr, "no test case matches the filters given; a test name must not contain ';'\n");
    return result == 0 ? 1 : result;
}
