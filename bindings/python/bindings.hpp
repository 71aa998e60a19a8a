// The parts of the `_callagent` module, each binding one area of the public API.
#pragma once

#include <pybind11/pybind11.h>

// Engine, Session, plug-ins written in Python and their sinks (engine.cpp).
void bind_engine(pybind11::module_ &m);
