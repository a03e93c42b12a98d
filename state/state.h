// Umbrella header for the state module: the StateStore and every primitive over it.
#pragma once

#include "state/distinct_counter.h"
#include "state/first_seen_map.h"
#include "state/recovery.h"
#include "state/running_stats.h"
#include "state/sequence_tracker.h"
#include "state/state_store.h"
#include "state/window_counter.h"
