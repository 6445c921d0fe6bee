// Boost.Test entry point for the integration suite (the one place BOOST_TEST_MODULE is defined): tests
// that run the agentpulse binary as a real process against real files and stores.
#define BOOST_TEST_MODULE agentpulse_integration
#include <boost/test/unit_test.hpp>
