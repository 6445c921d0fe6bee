// What `agentpulse report` prints: the aligned terminal table (coloured on request, fitted to a width by
// compacting numbers, shortening text and dropping the least useful columns), the CSV and the JSON
// documented in docs/reports.md. Pure: strings in, strings out.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>

#include "report/UsageReport.hpp"

namespace agentpulse {

struct TableStyle {
    std::size_t width = 0;  // terminal columns; 0 = no limit
    bool color = false;     // ANSI colours (the caller decides: a terminal, and NO_COLOR unset)
};

std::string report_table(const UsageReport& report, const TableStyle& style);
std::string report_csv(const UsageReport& report);
boost::json::value report_json(const UsageReport& report);

// "claude-sonnet-4-5-20250929" -> "sonnet-4-5": the family and version, as the usage CLIs show models.
std::string short_model_name(std::string_view model);
// Display columns of UTF-8 text (one per code point).
std::size_t display_width(std::string_view text);

}  // namespace agentpulse
