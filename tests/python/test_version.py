"""The package reports the loaded library's version consistently (ca_version, ca_version_string)."""

import re

import callagent


def test_version_string_matches_info():
    info = callagent.version_info()
    assert isinstance(info, tuple) and len(info) == 3
    assert all(isinstance(part, int) and part >= 0 for part in info)
    assert callagent.version() == "%d.%d.%d" % info


def test_version_string_format():
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", callagent.version())


def test_dunder_version():
    assert callagent.__version__ == callagent.version()


def test_abi_version_matches_loaded_major():
    # ABI_VERSION is packed as MAJOR * 10000 + MINOR * 100 + PATCH; the same MAJOR means the
    # module and the loaded library share an ABI.
    assert callagent.version_info()[0] == callagent.ABI_VERSION // 10000


def test_build_tree_module_matches_library():
    # Built from the same tree, the module's header and the loaded library agree on all three.
    major, minor, patch = callagent.version_info()
    assert major * 10000 + minor * 100 + patch == callagent.ABI_VERSION
