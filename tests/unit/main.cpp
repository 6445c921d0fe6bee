// Boost.Test entry point for the unit suite (the one place BOOST_TEST_MODULE is defined).
#define BOOST_TEST_MODULE agentpulse_unit
#include <boost/test/unit_test.hpp>
