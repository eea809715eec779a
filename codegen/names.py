"""The identifiers of one generated design, derived from untrusted model names.

Every model name (an input, a layer) becomes a *base*: a valid C++, Verilog and SystemVerilog
identifier of ASCII letters, digits and single underscores, starting with a letter and ending
with a letter or digit. A base owns the namespace ``<base>_<letter>...``: the writers derive
every other name of that input or layer from its base by appending ``_`` and a suffix that
starts with a letter (``fc1_out``, ``fc1_out_t``, ``fc1_config``, ``fc1_reg``, ``fc1_x0``).
:class:`NameTable` gives each base exactly one owner and keeps the namespaces apart: a base
that equals another, or that lies in another's namespace (``fc1_out`` beside ``fc1``), or whose
namespace holds a reserved word (``char16`` beside ``char16_t``) is renamed deterministically
with a numeric suffix (``fc1_2``), in the order the names are claimed. Derived names therefore
never collide with each other, with another base or with a keyword of C++, Verilog or
SystemVerilog, a name of the C library, the ap_types headers or the ``ap_*`` handshake, or an
identifier the generated code uses itself. Names compare case-insensitively, as file names may.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["RESERVED", "DesignNames", "NameTable", "check_identifier", "design_names"]

_CPP_KEYWORDS = """
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if import inline int long module mutable namespace new
noexcept not not_eq nullptr operator or or_eq private protected public register
reinterpret_cast requires return short signed sizeof static static_assert static_cast struct
switch template this thread_local throw true try typedef typeid typename union unsigned using
virtual void volatile wchar_t while xor xor_eq restrict _Bool _Complex _Imaginary main final
override
"""
_C_LIBRARY = """
std size_t ssize_t ptrdiff_t nullptr_t max_align_t int8_t int16_t int32_t int64_t uint8_t
uint16_t uint32_t uint64_t intptr_t uintptr_t intmax_t uintmax_t div_t ldiv_t lldiv_t time_t
clock_t fpos_t off_t wint_t mbstate_t va_list float_t double_t locale_t pid_t FILE NULL EOF
BUFSIZ FILENAME_MAX FOPEN_MAX TMP_MAX L_tmpnam SEEK_SET SEEK_CUR SEEK_END stdin stdout stderr
errno assert offsetof printf puts
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
trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor
"""
_SYSTEMVERILOG_KEYWORDS = """
accept_on alias always_comb always_ff always_latch assert assume before bind bins binsof bit
break byte chandle checker class clocking const constraint context continue cover covergroup
coverpoint cross dist do endchecker endclass endclocking endgroup endinterface endpackage
endprogram endproperty endsequence enum eventually expect export extends extern final
first_match foreach forkjoin global iff ignore_bins illegal_bins implements implies import
inside int interconnect interface intersect join_any join_none let local logic longint
matches modport nettype new nexttime null package packed priority program property protected
pure rand randc randcase randsequence ref reject_on restrict return s_always s_eventually
s_nexttime s_until s_until_with sequence shortint shortreal soft solve static string strong
struct super sync_accept_on sync_reject_on tagged this throughout timeprecision timeunit type
typedef union unique unique0 until until_with untyped var virtual void wait_order weak within
wildcard with
"""
_GENERATED = """
hlsfx ap_fixed ap_ufixed ap_int ap_uint ap_fixed_base ap_int_base ap_private ap_range_ref
ap_bit_ref ap_concat_ref af_range_ref af_bit_ref ap_q_mode ap_o_mode ssdm_int
AP_TRN AP_TRN_ZERO AP_RND AP_RND_ZERO AP_RND_MIN_INF AP_RND_INF AP_RND_CONV AP_WRAP AP_SAT
AP_SAT_ZERO AP_SAT_SYM AP_WRAP_SM
ap_clk ap_rst ap_rst_n ap_start ap_done ap_idle ap_ready ap_vld ap_ack ap_return ap_ce
clk rst valid accept busy waiting core
argc argv in expected results dir inputs expected_lines input_line expected_line sample
reported mismatches first total code want got raw bad_line output_names MAX_REPORTED
DEFINES_H PARAMETERS_H defines parameters
"""

RESERVED = frozenset(
    (_CPP_KEYWORDS + _C_LIBRARY + _VERILOG_KEYWORDS + _SYSTEMVERILOG_KEYWORDS + _GENERATED).split()
)
"""Words no base may equal or hold in its namespace: the keywords of C++, Verilog-2005 and
SystemVerilog, C library names, the ap_types headers' names, the handshake ports and the
identifiers of the generated code itself."""

_RESERVED_LOWER = frozenset(word.lower() for word in RESERVED)
_MAX_LENGTH = 60
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*")


def _base(name: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "_", ascii_only).strip("_")
    text = text[:_MAX_LENGTH].rstrip("_") or "layer"
    return "n" + text if text[0].isdigit() else text


def _heads(word: str) -> list[str]:
    """The bases in whose namespace ``word`` lies: each part before a ``_`` and a letter."""
    return [word[:i] for i in range(1, len(word) - 1) if word[i] == "_" and word[i + 1].isalpha()]


class NameTable:
    """The bases of one generated design, each with one owner (see the module docstring)."""

    def __init__(self, reserved: Iterable[str] = RESERVED):
        self._reserved = {word.lower(): word for word in reserved}
        self._reserved_heads = {h: w for w in reversed(sorted(self._reserved)) for h in _heads(w)}
        self._bases: dict[str, str] = {}
        """base (lower case) -> owner"""
        self._base_heads: dict[str, str] = {}
        """every base whose namespace holds another base -> that base's owner"""

    def _holder(self, candidate: str) -> str | None:
        """Who holds ``candidate``, its namespace or a base whose namespace it lies in."""
        low = candidate.lower()
        if low in self._reserved:
            return f"the reserved word {self._reserved[low]!r}"
        if low in self._reserved_heads:
            return f"the reserved word {self._reserved_heads[low]!r}"
        for word in (low, *_heads(low)):
            if word in self._bases:
                return self._bases[word]
        return self._base_heads.get(low)

    def _take(self, base: str, owner: str) -> str:
        low = base.lower()
        self._bases[low] = owner
        for head in _heads(low):
            self._base_heads.setdefault(head, owner)
        return base

    def claim(self, owner: str, name: str) -> str:
        """A base for ``name`` (any text), owned by ``owner`` (a description for errors): the
        sanitized name; when that is taken, the first free ``<name>_<k>`` (k = 2, 3, ...), or,
        when it lies in another base's namespace, ``<that base>_<k><rest of name>``."""
        base = candidate = _base(name)
        k = 1
        while self._holder(candidate) is not None:
            k += 1
            head = next((h for h in _heads(base.lower()) if h in self._bases), None)
            cut = len(head) if head is not None else len(base)
            candidate = f"{base[:cut]}_{k}{base[cut:]}"
        return self._take(candidate, owner)

    def claim_exact(self, owner: str, name: str) -> str:
        """Claim ``name`` as it is (a user's choice, such as a top module's name), or raise
        ``ValueError`` naming who holds it or a clashing name."""
        check_identifier(owner, name)
        holder = self._holder(name)
        if holder is not None:
            raise ValueError(f"{owner} {name!r} clashes with {holder}: choose another name")
        return self._take(name, owner)

    def owner(self, base: str) -> str | None:
        """Who owns ``base`` (``None`` when nobody does)."""
        return self._bases.get(base.lower())


def check_identifier(what: str, name: object) -> str:
    """``name`` if it is an identifier every generated language takes as it is (ASCII letter
    first, then letters, digits and single underscores, at most 60 characters, not ending in
    ``_``, not a reserved word); else ``ValueError`` naming ``what`` and the value."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or len(name) > _MAX_LENGTH:
        raise ValueError(
            f"{what} {name!r} is not an identifier: use ASCII letters, digits and single "
            f"underscores, a letter first, at most {_MAX_LENGTH} characters"
        )
    if name.lower() in _RESERVED_LOWER:
        raise ValueError(f"{what} {name!r} is a reserved word of C++, Verilog or the HLS tools")
    return name


@dataclass(frozen=True)
class DesignNames:
    """The bases of one design: the top's, and one per graph input and per layer."""

    top: str
    inputs: Mapping[str, str]
    """graph input name -> its base (the port's and the C++ argument's name)"""
    layers: Mapping[str, str]
    """layer name -> its base"""


def design_names(top: str, inputs: Iterable[str], layers: Iterable[str]) -> DesignNames:
    """The bases of a design: ``top`` (the user's name, checked and kept as it is), then one
    for every graph input and every layer, claimed in that order. The HLS project and the RTL
    use the same table, so a port has one name in both."""
    table = NameTable()
    top = table.claim_exact("top", top)
    by_input = {name: table.claim(f"input {name!r}", name) for name in inputs}
    by_layer = {name: table.claim(f"layer {name!r}", name) for name in layers}
    return DesignNames(top, by_input, by_layer)
