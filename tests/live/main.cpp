// Boost.Test entry point for the live suite: the real `agentpulse serve` binary on loopback, real
// sockets, rows written into its store from this process (the one place BOOST_TEST_MODULE is defined).
#define BOOST_TEST_MODULE agentpulse_live
#include <boost/test/unit_test.hpp>
