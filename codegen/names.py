"""Identifiers for generated C++, Verilog and tcl, derived from untrusted model names.

Every name becomes a valid C and Verilog identifier of ASCII letters, digits and underscores,
not a keyword of either language nor a name the generated code uses itself; collisions get a
numeric suffix, assigned in the order the names are given (so the result is deterministic).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["RESERVED", "identifiers"]

_C_KEYWORDS = """
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public register reinterpret_cast requires return
short signed sizeof static static_assert static_cast struct switch template this thread_local
throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t while
xor xor_eq restrict _Bool _Complex _Imaginary main
"""
_VERILOG_KEYWORDS = """
always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign
default defparam design disable edge else end endcase endconfig endfunction endgenerate
endmodule endprimitive endspecify endtable endtask event for force forever fork function
generate genvar highz0 highz1 if ifnone incdir include initial inout input instance integer
join large liblist library localparam macromodule medium module nand negedge nmos nor
noshowcancelled not notif0 notif1 or output parameter pmos posedge primitive pull0 pull1
pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat
rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam
strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior
trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor logic bit byte
int shortint longint
"""
_GENERATED = "hlsfx ap_fixed ap_ufixed ap_int ap_uint std clk rst ap_clk ap_rst ap_start ap_done"

RESERVED = frozenset((_C_KEYWORDS + _VERILOG_KEYWORDS + _GENERATED).split())
"""Names no generated identifier may take (compared case-insensitively)."""

_MAX_LENGTH = 60


def _base(name: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "_", ascii_only).strip("_")
    text = re.sub(r"_+", "_", text)[:_MAX_LENGTH].rstrip("_")
    if not text:
        text = "layer"
    if text[0].isdigit():
        text = "n" + text
    if text.lower() in RESERVED:
        text += "_"
    return text


def identifiers(names: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """A valid, unique C/Verilog identifier for each of ``names`` (in their order), avoiding
    ``taken`` and :data:`RESERVED`; identifiers compare case-insensitively, as file names may."""
    used = {t.lower() for t in taken}
    result: dict[str, str] = {}
    for name in names:
        if name in result:
            continue
        base = candidate = _base(name)
        k = 2
        while candidate.lower() in used:
            candidate = f"{base}_{k}"
            k += 1
        used.add(candidate.lower())
        result[name] = candidate
    return result
