"""Deterministic identifiers per seed: Genesys UUIDs and Salesforce 15/18-character ids."""

from __future__ import annotations

import random
import re
import threading
import uuid

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
SF_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$")


def sf_checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character Salesforce id case-insensitive."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def sf_to18(value: str) -> str:
    """Normalise a 15- or 18-character id to 18; raises ValueError for anything else."""
    if not isinstance(value, str) or not SF_ID_RE.match(value):
        raise ValueError(f"not a Salesforce id: {value!r}")
    if len(value) == 18:
        # An 18-character id is case-insensitive: its suffix says which of the first 15 are upper case.
        suffix = value[15:].upper()
        chars = list(value[:15])
        for chunk, symbol in enumerate(suffix):
            bits = _SUFFIX_ALPHABET.index(symbol)
            for i in range(5):
                ch = chars[chunk * 5 + i]
                if ch.isalpha():
                    chars[chunk * 5 + i] = ch.upper() if bits & (1 << i) else ch.lower()
                elif bits & (1 << i):
                    raise ValueError(f"bad checksum in Salesforce id: {value!r}")
        id15 = "".join(chars)
        return id15 + suffix
    return value + sf_checksum(value)


def sf_is_id(value: object) -> bool:
    try:
        sf_to18(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


class IdFactory:
    """Every id a fake hands out comes from here, so the same seed gives the same ids."""

    def __init__(self, seed: int = 0, pod: str = "5i") -> None:
        self.seed = seed
        self.pod = pod
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._counters: dict[str, int] = {}

    def uuid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def token(self, nbytes: int = 24) -> str:
        with self._lock:
            return "".join(self._rng.choice(_BASE62) for _ in range(nbytes))

    def sf_id(self, prefix: str) -> str:
        """Next 18-character id with the given 3-character key prefix."""
        if len(prefix) != 3:
            raise ValueError("a key prefix has 3 characters")
        with self._lock:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
        body = ""
        value = n
        for _ in range(9):
            value, rem = divmod(value, 62)
            body = _BASE62[rem] + body
        id15 = f"{prefix}{self.pod}0{body}"
        return id15 + sf_checksum(id15)
