// core/Watermark: the `id:` / Last-Event-ID format round trip, and every kind of garbage a client can
// send back (ignored, never an error): empty, huge, negative, missing or reordered parts, extra text.
#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

#include "core/Watermark.hpp"

using namespace agentpulse;

BOOST_AUTO_TEST_SUITE(watermark)

BOOST_AUTO_TEST_CASE(round_trip) {
    const Watermark w{120, 455, 450, 37};
    BOOST_TEST(w.to_string() == "u120.t455.r450.g37");
    const auto p = Watermark::parse(w.to_string());
    BOOST_REQUIRE(p);
    BOOST_TEST((*p == w));
    const Watermark zero;
    BOOST_TEST(zero.to_string() == "u0.t0.r0.g0");
    BOOST_TEST((*Watermark::parse("u0.t0.r0.g0") == zero));
    const std::int64_t big = std::numeric_limits<std::int64_t>::max();
    const Watermark top{big, big, big, big};
    BOOST_TEST((*Watermark::parse(top.to_string()) == top));
}

BOOST_AUTO_TEST_CASE(garbage_is_refused) {
    const std::string huge_number = "u" + std::string(30, '9') + ".t1.r1.g1";  // overflows int64
    const std::string too_long = "u1.t1.r1.g" + std::string(200, '1');
    for (const std::string& bad : {std::string(""),
                                   std::string(" "),
                                   std::string("u1"),
                                   std::string("u1.t2.r3"),
                                   std::string("u1.t2.r3.g"),
                                   std::string("u1.t2.r3.g4."),
                                   std::string("u1.t2.r3.g4x"),
                                   std::string("u1.t2.r3.g4 "),
                                   std::string(" u1.t2.r3.g4"),
                                   std::string("u-1.t2.r3.g4"),
                                   std::string("u1.t-2.r3.g4"),
                                   std::string("u+1.t2.r3.g4"),
                                   std::string("t2.u1.r3.g4"),
                                   std::string("U1.T2.R3.G4"),
                                   std::string("u1,t2,r3,g4"),
                                   std::string("u1..t2.r3.g4"),
                                   std::string("u.t2.r3.g4"),
                                   std::string("u0x10.t2.r3.g4"),
                                   std::string("1.2.3.4"),
                                   std::string("u1.t2.r3.g4\n"),
                                   std::string("u1.t2.r3.g4.u5"),
                                   std::string("null"),
                                   std::string("42"),
                                   huge_number,
                                   too_long,
                                   std::string("u1\0.t2.r3.g4", 12)})
        BOOST_TEST(!Watermark::parse(bad), "accepted: '" << bad << "'");
}

BOOST_AUTO_TEST_CASE(leading_zeros_are_numbers) {
    const auto p = Watermark::parse("u007.t0.r00.g1");
    BOOST_REQUIRE(p);
    BOOST_TEST((*p == Watermark{7, 0, 0, 1}));
}

BOOST_AUTO_TEST_CASE(covered_and_max) {
    const Watermark a{1, 2, 3, 4}, b{1, 5, 3, 9}, c{2, 1, 3, 4};
    BOOST_TEST(a.covered_by(b));
    BOOST_TEST(!b.covered_by(a));
    BOOST_TEST(a.covered_by(a));
    BOOST_TEST(!c.covered_by(b));  // ahead in usage
    BOOST_TEST((c.max_with(b) == Watermark{2, 5, 3, 9}));
}

BOOST_AUTO_TEST_CASE(index_by_stream) {
    Watermark w{1, 2, 3, 4};
    BOOST_TEST(w[Stream::Usage] == 1);
    BOOST_TEST(w[Stream::ToolCall] == 2);
    BOOST_TEST(w[Stream::ToolResult] == 3);
    BOOST_TEST(w[Stream::UsageUpdate] == 4);
    w[Stream::ToolResult] = 30;
    const Watermark& cw = w;
    BOOST_TEST(cw[Stream::ToolResult] == 30);
}

BOOST_AUTO_TEST_SUITE_END()
