"""Native binaries from their first bytes: PE, ELF and Mach-O, with the CPU they target.

Only headers are read: 64 bytes are enough for ELF and Mach-O; a PE file needs
the offset at 0x3c and the machine field after the ``PE\\0\\0`` signature, so the
caller may be asked for a few hundred bytes more (:func:`pe_header_end`).
"""

from __future__ import annotations

import struct

#: Bytes to read first from every member.
HEAD_BYTES = 64
#: A PE header further than this into the file is not looked for.
MAX_PE_OFFSET = 4096

WINDOWS_SUFFIXES = (".exe", ".dll")

_ELF_MACHINES = {
    3: "x86", 62: "x86_64", 183: "arm64", 40: "arm", 8: "mips", 20: "ppc", 21: "ppc64",
    22: "s390x", 243: "riscv", 2: "sparc", 43: "sparc64",
}
_PE_MACHINES = {0x14C: "x86", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C0: "arm", 0x1C4: "arm", 0x200: "ia64"}
_CPU_ARCH_ABI64 = 0x01000000
_MACHO_CPUS = {7: "x86", 7 | _CPU_ARCH_ABI64: "x86_64", 12: "arm", 12 | _CPU_ARCH_ABI64: "arm64",
               18: "ppc", 18 | _CPU_ARCH_ABI64: "ppc64"}
_MACHO_MAGICS = {
    b"\xfe\xed\xfa\xce": ">", b"\xfe\xed\xfa\xcf": ">",  # big-endian 32/64
    b"\xce\xfa\xed\xfe": "<", b"\xcf\xfa\xed\xfe": "<",  # little-endian 32/64
}
_FAT_MAGICS = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")


def pe_header_end(head: bytes) -> int | None:
    """If ``head`` starts a DOS/PE file, how many bytes are needed to read its machine field."""
    if len(head) < 0x40 or head[:2] != b"MZ":
        return None
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    if offset < 0x40 or offset > MAX_PE_OFFSET:
        return None
    return offset + 6


def classify(head: bytes, path: str) -> tuple[str, str | None] | None:
    """``(format, arch)`` for a native binary, or ``None``.

    ``head`` holds the first bytes of the file (at least :data:`HEAD_BYTES` when the
    file is that long; for PE files up to :func:`pe_header_end`). Files named
    ``.exe``/``.dll`` count as PE even when their header is damaged.
    """
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        order = "<" if head[5] != 2 else ">"
        (machine,) = struct.unpack_from(order + "H", head, 18)
        return "ELF", _ELF_MACHINES.get(machine, f"machine {machine}")
    if head[:2] == b"MZ":
        end = pe_header_end(head)
        if end is not None and len(head) >= end and head[end - 6:end - 2] == b"PE\0\0":
            (machine,) = struct.unpack_from("<H", head, end - 2)
            return "PE", _PE_MACHINES.get(machine, f"machine 0x{machine:x}")
        if path.lower().endswith(WINDOWS_SUFFIXES):
            return "PE", None
        return None
    endian = _MACHO_MAGICS.get(head[:4])
    if endian is not None and len(head) >= 8:
        (cpu,) = struct.unpack_from(endian + "i", head, 4)
        return "Mach-O", _MACHO_CPUS.get(cpu & 0xFFFFFFFF, f"cpu {cpu}")
    if head[:4] in _FAT_MAGICS and len(head) >= 8 and not path.endswith(".class"):
        (count,) = struct.unpack_from(">I", head, 4)
        # Java class files share the magic; their next word is the class version (>= 45).
        if 0 < count < 30:
            arches = []
            for i in range(count):
                pos = 8 + 20 * i
                if pos + 4 > len(head):
                    break
                (cpu,) = struct.unpack_from(">I", head, pos)
                arches.append(_MACHO_CPUS.get(cpu, f"cpu {cpu}"))
            return "Mach-O", "+".join(arches) or None
    if path.lower().endswith(WINDOWS_SUFFIXES) and head:
        return "PE", None
    return None


# --- tiny headers for tests, fixtures and the benchmark ---------------------------------------

def make_elf(arch: str = "x86_64") -> bytes:
    machine = {v: k for k, v in _ELF_MACHINES.items()}[arch]
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHI", 3, machine, 1) + bytes(40)


def make_pe(arch: str = "x86_64") -> bytes:
    machine = {v: k for k, v in _PE_MACHINES.items()}[arch]
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    return bytes(dos) + b"PE\0\0" + struct.pack("<H", machine) + bytes(18)


def make_macho(arch: str = "arm64") -> bytes:
    cpu = {v: k for k, v in _MACHO_CPUS.items()}[arch]
    return b"\xcf\xfa\xed\xfe" + struct.pack("<iiI", cpu, 0, 6) + bytes(20)
