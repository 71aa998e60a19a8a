// The parts of the `_callagent` module, each binding one area of the public API.
#pragma once

#include <pybind11/pybind11.h>

#include <callagent/callagent.h>

// Engine, Session, plug-ins written in Python and their sinks (engine.cpp).
void bind_engine(pybind11::module_ &m);

// A turn's timeline as a dict of its fields (engine.cpp).
pybind11::dict timeline_dict(const ca_turn_timeline &t);

// A session's counters as a dict of their fields (engine.cpp).
pybind11::dict stats_dict(const ca_session_stats &s);
