// RFC 3339 / ISO 8601 conversions for event times, without locale or time-zone state (no
// std::get_time, no TZ): Azure writes "2016-01-05T01:32:01.2691226Z" and variants with offsets.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace vw {

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; also accepts a space for 'T' and no
// zone (taken as UTC, which is what Azure means). Fractions beyond microseconds are truncated.
Result<EventTime> ParseRfc3339(std::string_view text);

// "2016-01-05T01:32:01.269122Z" (always 6 fractional digits, always UTC).
std::string FormatRfc3339(EventTime t);

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace vw
