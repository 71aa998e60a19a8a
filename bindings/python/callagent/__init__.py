"""libcallagent for Python: AI phone calls over the library's C ABI.

The compiled ``_callagent`` extension binds the C functions; this package is the Python face
of them, where pure-Python helpers will live.
"""

from ._callagent import (
    ABI_VERSION,
    Engine,
    LlmRequest,
    LlmSink,
    Message,
    Session,
    Simulator,
    SttParams,
    SttSink,
    ToolCall,
    ToolContext,
    ToolSchema,
    ToolSink,
    TtsRequest,
    TtsSink,
    version,
    version_info,
)

__all__ = [
    "ABI_VERSION",
    "Engine",
    "LlmRequest",
    "LlmSink",
    "Message",
    "Session",
    "Simulator",
    "SttParams",
    "SttSink",
    "ToolCall",
    "ToolContext",
    "ToolSchema",
    "ToolSink",
    "TtsRequest",
    "TtsSink",
    "version",
    "version_info",
    "__version__",
]

__version__ = version()
