// app/StatusLine: Claude Code's status line input (each rate-limit window optional; wrong types absent)
// and the --format template (fields, groups dropped when a field is empty). The command itself runs as a
// real process in tests/integration/statusline_test.cpp.
#include <boost/test/unit_test.hpp>

#include "app/StatusLine.hpp"

using namespace agentpulse;

BOOST_AUTO_TEST_SUITE(status_line)

BOOST_AUTO_TEST_CASE(status_input_windows_are_each_optional) {
    const auto both = parse_status_input(
        R"({"session_id":"s","model":{"id":"claude-opus-4-5","display_name":"Opus 4.5"},"cost":{"total_cost_usd":1.5},)"
        R"("rate_limits":{"five_hour":{"used_percentage":23.5,"resets_at":1795620000},)"
        R"("seven_day":{"used_percentage":41,"resets_at":1796000000}}})");
    BOOST_REQUIRE(both.has_value());
    BOOST_TEST(both->model == "Opus 4.5");
    BOOST_TEST(*both->session_cost_usd == 1.5);
    BOOST_REQUIRE(both->limits.size() == 2u);
    BOOST_TEST(both->limits[0].window == "five_hour");
    BOOST_TEST(*both->limits[0].resets_at == 1'795'620'000'000LL);
    BOOST_TEST(both->limits[1].window == "weekly");
    BOOST_TEST(both->limits[1].used_percent == 41.0);
    const auto one = parse_status_input(R"({"model":{"id":"m"},"rate_limits":{"seven_day":{"used_percentage":3}}})");
    BOOST_REQUIRE(one->limits.size() == 1u);
    BOOST_TEST(one->limits[0].window == "weekly");
    BOOST_TEST(!one->limits[0].resets_at.has_value());
    BOOST_TEST(one->model == "m");  // no display_name: the id
    const auto none = parse_status_input(R"({"model":{"id":"m"},"context_window":{"used_percentage":null}})");
    BOOST_TEST(none->limits.empty());
    BOOST_TEST(!none->context_percent.has_value());
    BOOST_TEST(!parse_status_input("[1,2]").has_value());
    BOOST_TEST(!parse_status_input("{").has_value());
}

BOOST_AUTO_TEST_CASE(status_template_drops_groups_with_an_empty_field) {
    const StatusFields f{{"model", "Opus"}, {"tool", ""}, {"five_hour", "42%"}};
    BOOST_TEST(render_status_line("{model}[ · {tool}][ · 5h {five_hour}]", f) == "Opus · 5h 42%");
    BOOST_TEST(render_status_line("{model} {unknown}!", f) == "Opus !");
    BOOST_TEST(render_status_line("[{model} {five_hour}", f) == "Opus 42%");  // an unclosed group runs to the end
    BOOST_TEST(render_status_line("{model} {oops", f) == "Opus {oops");
    BOOST_TEST(format_usd(3.456) == "$3.46");
    BOOST_TEST(format_usd(1234.4) == "$1234");
}

BOOST_AUTO_TEST_SUITE_END()
