"""SOQL subset: a tokenizer, a recursive-descent parser and an evaluator over any record source.

Supported: `SELECT` fields (parent relationship paths such as `Owner.Email`, `COUNT()`, `COUNT(field)`),
`FIELDS(ALL|STANDARD|CUSTOM)`, `FROM` object, `WHERE` with AND / OR / NOT and parentheses, `= != <> < > <= >= IN NOT IN LIKE`, NULL,
TRUE / FALSE, string / number / date / datetime literals, TODAY / YESTERDAY / TOMORROW, `ORDER BY ... ASC|DESC
NULLS FIRST|LAST`, `LIMIT`, `OFFSET`. Keywords, object and field names are case-insensitive; answers use the
canonical names of the source.

A `source` is any object with:
  `field(sobject, name) -> FieldInfo | None` (case-insensitive; FieldInfo has name, type, reference_to,
  relationship_name), `sobject_name(name) -> str | None` (canonical), `records(sobject, include_deleted)`
  and `get(id) -> dict | None`. Optional: `sobject_of(id) -> str | None` (the type of a record, else it is
  worked out from the relationship's `reference_to`), `now() -> float` (epoch seconds for TODAY; the
  caller may pass `now=` instead) and `field_names(sobject) -> list[str]` (for FIELDS(...)).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum, StrEnum
from typing import Any, Protocol, TypeVar

from omni_harness.fakes.core.ids import sf_to18

from ..config import API_VERSION, SOQL
from ..errors import SoqlError, filter_error, invalid_field, positioned_error, syntax_error, unexpected_token

DEFAULT_API_VERSION = API_VERSION
T = TypeVar("T")

NO_SUCH_COLUMN = ("No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure "
                  "to append the '__c' after the custom field name. Please reference your WSDL or the describe call "
                  "for the appropriate names.")
NO_SUCH_RELATIONSHIP = ("Didn't understand relationship '{name}' in field path. If you are attempting to use a custom "
                        "relationship, be sure to append the '__r' after the custom relationship name. Please reference "
                        "your WSDL or the describe call for the appropriate names.")
NOT_SUPPORTED = ("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to "
                 "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
                 "appropriate names.")

# Field types grouped by how SOQL compares them (describe type names).
STRING_TYPES = frozenset({"string", "picklist", "multipicklist", "textarea", "email", "phone", "url", "combobox",
                          "encryptedstring"})
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"int", "double", "percent", "currency", "long"})
DATETIME_TYPES = frozenset({"datetime"})
DATE_TYPES = frozenset({"date"})

# A polymorphic relationship (OwnerId -> User or Group) exposes only the fields of the `Name` pseudo-object.
# inferred: the common subset of the Name object's fields; records come back typed "Name".
NAME_OBJECT_FIELDS = {
    "Id": "id", "Name": "string", "Alias": "string", "Email": "email", "FirstName": "string", "LastName": "string",
    "IsActive": "boolean", "Phone": "phone", "Title": "string", "Type": "picklist", "Username": "string",
    "UserRoleId": "reference", "ProfileId": "reference", "CommunityNickname": "string",
}


class FieldInfo(Protocol):
    name: str
    type: str
    reference_to: list[str]
    relationship_name: str | None


# -- tokens ----------------------------------------------------------------------------------------------

class TokenKind(Enum):
    IDENT = "ident"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    PUNCT = "punct"
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # as written
    value: Any  # decoded: str for IDENT/STRING/PUNCT, float|int for NUMBER, date/datetime
    pos: int  # offset in the query text
    end: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind is TokenKind.IDENT and self.text.upper() in words


# The platform's reserved keywords: they cannot name a field or an object. GROUP is one too, but it also
# names the Group object (`FROM Group`, `Group.DeveloperName`), so it is only a keyword where GROUP BY may be.
KEYWORDS = frozenset({
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "HAVING", "IN", "INCLUDES", "LAST", "LIKE", "LIMIT", "NOT",
    "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH",
})
_PUNCT_2 = ("!=", "<>", "<=", ">=")
_PUNCT_1 = "(),.=<>-:"
_STRING_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_DATEISH = frozenset("0123456789-:+.TtZz")


def _is_ident_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_ident_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        text = self.text
        while True:
            while self.i < len(text) and text[self.i].isspace():
                self.i += 1
            if self.i >= len(text):
                self.tokens.append(Token(TokenKind.EOF, "<EOF>", None, len(text), len(text)))
                return self.tokens
            ch = text[self.i]
            if _is_ident_start(ch):
                self._ident()
            elif ch.isdigit():
                self._number_or_date()
            elif ch == "'":
                self._string()
            elif text.startswith(_PUNCT_2, self.i):
                self._emit(TokenKind.PUNCT, self.i + 2)
            elif ch in _PUNCT_1:
                self._emit(TokenKind.PUNCT, self.i + 1)
            else:
                raise syntax_error(self.text, self.tokens, self.i, f"unexpected token: '{ch}'", line_prefix=True)

    def _emit(self, kind: TokenKind, end: int, value: Any = None) -> None:
        raw = self.text[self.i:end]
        self.tokens.append(Token(kind, raw, raw if value is None else value, self.i, end))
        self.i = end

    def _ident(self) -> None:
        j = self.i
        while j < len(self.text) and _is_ident_char(self.text[j]):
            j += 1
        self._emit(TokenKind.IDENT, j)

    def _number_or_date(self) -> None:
        j = self.i
        while j < len(self.text) and self.text[j] in _DATEISH:
            j += 1
        raw = self.text[self.i:j]
        if "-" in raw or ":" in raw or "T" in raw.upper():
            kind, value = _date_literal(raw)
            if kind is None:
                # the platform's own words for a bad date/datetime literal
                raise syntax_error(self.text, self.tokens, self.i, f"Invalid datetime: {raw}")
            self._emit(kind, j, value)
            return
        # a plain number: digits with at most one decimal point
        j = self.i
        while j < len(self.text) and self.text[j].isdigit():
            j += 1
        if j < len(self.text) and self.text[j] == "." and j + 1 < len(self.text) and self.text[j + 1].isdigit():
            j += 1
            while j < len(self.text) and self.text[j].isdigit():
                j += 1
            self._emit(TokenKind.NUMBER, j, float(self.text[self.i:j]))
        else:
            self._emit(TokenKind.NUMBER, j, int(self.text[self.i:j]))
        if j < len(self.text) and _is_ident_char(self.text[j]):
            raise syntax_error(self.text, self.tokens, j, f"unexpected token: '{self._word_at(j)}'")

    def _word_at(self, j: int) -> str:
        k = j
        while k < len(self.text) and _is_ident_char(self.text[k]):
            k += 1
        return self.text[j:k] or self.text[j:j + 1]

    def _string(self) -> None:
        out: list[str] = []
        j = self.i + 1
        while j < len(self.text):
            ch = self.text[j]
            if ch == "'":
                self._emit(TokenKind.STRING, j + 1, "".join(out))
                return
            if ch == "\\":
                if j + 1 >= len(self.text):
                    break
                nxt = self.text[j + 1]
                if nxt in _STRING_ESCAPES:
                    out.append(_STRING_ESCAPES[nxt])
                elif nxt in "%_":
                    # kept escaped: only LIKE gives \% and \_ a meaning
                    out.append("\\" + nxt)
                elif nxt == "u" and j + 5 < len(self.text) and all(
                        c in "0123456789abcdefABCDEF" for c in self.text[j + 2:j + 6]):
                    out.append(chr(int(self.text[j + 2:j + 6], 16)))
                    j += 4
                else:
                    raise syntax_error(self.text, self.tokens, j,
                                        "Invalid string literal '" + self.text[self.i:j + 2] + "'. Illegal character "
                                        "sequence '\\" + nxt + "' in string literal.")
                j += 2
                continue
            out.append(ch)
            j += 1
        raise syntax_error(self.text, self.tokens, len(self.text),
                            f"line 1:{len(self.text)} mismatched character '<EOF>' expecting '''", line_prefix=False)


def _date_literal(raw: str) -> tuple[TokenKind | None, Any]:
    """A SOQL date (`2024-05-01`) or datetime (`2024-05-01T10:00:00Z`, `...+02:00`, `...-05:00`, fractions)."""
    if len(raw) == 10:
        try:
            if raw[4] == "-" and raw[7] == "-":
                return TokenKind.DATE, date.fromisoformat(raw)
        except ValueError:
            return None, None
        return None, None
    if len(raw) < 20 or raw[10] not in "Tt" or raw[4] != "-" or raw[7] != "-":
        return None, None
    body, zone = raw[:19], raw[19:]
    fraction = ""
    if zone.startswith("."):
        k = 1
        while k < len(zone) and zone[k].isdigit():
            k += 1
        fraction, zone = zone[1:k], zone[k:]
        if not fraction:
            return None, None
    if zone in ("Z", "z"):
        offset = "+00:00"
    elif len(zone) == 6 and zone[0] in "+-" and zone[3] == ":":
        offset = zone
    else:
        return None, None
    try:
        value = datetime.fromisoformat(body.replace("t", "T") + offset)
    except ValueError:
        return None, None
    if fraction:
        value = value.replace(microsecond=int((fraction + "000000")[:6]))
    return TokenKind.DATETIME, value.astimezone(UTC)


# -- syntax tree -----------------------------------------------------------------------------------------

class Op(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    GT = ">"
    LE = "<="
    GE = ">="
    IN = "IN"
    NOT_IN = "NOT IN"
    LIKE = "LIKE"


class LiteralKind(Enum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"
    DATE = "date"
    DATETIME = "datetime"
    DATE_LITERAL = "date literal"  # TODAY, YESTERDAY, TOMORROW


@dataclass(frozen=True)
class Literal:
    kind: LiteralKind
    value: Any
    text: str
    pos: int


@dataclass(frozen=True)
class Path:
    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


class FieldsMacro(StrEnum):
    ALL = "ALL"
    STANDARD = "STANDARD"
    CUSTOM = "CUSTOM"


@dataclass(frozen=True)
class SelectItem:
    path: Path | None  # None for COUNT() and FIELDS(...)
    aggregate: str | None = None  # "COUNT" for COUNT() / COUNT(field)
    alias: str | None = None
    pos: int = 0
    fields: FieldsMacro | None = None  # FIELDS(ALL | STANDARD | CUSTOM)


@dataclass(frozen=True)
class Comparison:
    path: Path
    op: Op
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class Logical:
    op: str  # "AND" | "OR"
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    operand: Condition


Condition = Comparison | Logical | Not


@dataclass(frozen=True)
class OrderItem:
    path: Path
    descending: bool = False
    nulls_last: bool = False


@dataclass
class Query:
    text: str
    select: list[SelectItem]
    sobject: str  # as written
    sobject_pos: int
    where: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    tokens: list[Token] = field(default_factory=list, repr=False)

    @property
    def is_count(self) -> bool:
        """`SELECT COUNT() FROM ...`: the answer is only `totalSize`."""
        return len(self.select) == 1 and self.select[0].aggregate == "COUNT" and self.select[0].path is None

    @property
    def is_aggregate(self) -> bool:
        return any(item.aggregate for item in self.select) and not self.is_count


# -- parser ----------------------------------------------------------------------------------------------

_COMPARISON_OPS = {"=": Op.EQ, "!=": Op.NE, "<>": Op.NE, "<": Op.LT, ">": Op.GT, "<=": Op.LE, ">=": Op.GE}
_DATE_KEYWORDS = ("TODAY", "YESTERDAY", "TOMORROW")


# Tokens that are literals as they stand.
_LITERAL_KINDS = {TokenKind.STRING: LiteralKind.STRING, TokenKind.NUMBER: LiteralKind.NUMBER,
                  TokenKind.DATE: LiteralKind.DATE, TokenKind.DATETIME: LiteralKind.DATETIME}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _Lexer(text).run()
        self.i = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not TokenKind.EOF:
            self.i += 1
        return tok

    def expect_keyword(self, word: str) -> Token:
        if not self.tok.is_keyword(word):
            raise unexpected_token(self.text, self.tokens, self.tok)
        return self.advance()

    def expect_punct(self, text: str) -> Token:
        if not (self.tok.kind is TokenKind.PUNCT and self.tok.text == text):
            raise unexpected_token(self.text, self.tokens, self.tok)
        return self.advance()

    def at_punct(self, text: str) -> bool:
        return self.tok.kind is TokenKind.PUNCT and self.tok.text == text

    def name(self) -> Token:
        tok = self.tok
        if tok.kind is not TokenKind.IDENT or tok.text.upper() in KEYWORDS:
            raise unexpected_token(self.text, self.tokens, self.tok)
        return self.advance()

    def comma_separated(self, item: Callable[[], T]) -> list[T]:
        """One or more `item`s separated by commas."""
        out = [item()]
        while self.at_punct(","):
            self.advance()
            out.append(item())
        return out

    # grammar
    def query(self) -> Query:
        self.expect_keyword("SELECT")
        select = self.comma_separated(self.select_item)
        self.expect_keyword("FROM")
        obj = self.name()
        query = Query(self.text, select, obj.text, obj.pos, tokens=self.tokens)
        if self.tok.is_keyword("WHERE"):
            self.advance()
            query.where = self.condition()
        if self.tok.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            query.order_by.extend(self.comma_separated(self.order_item))
        if self.tok.is_keyword("LIMIT"):
            self.advance()
            query.limit = self.integer()
        if self.tok.is_keyword("OFFSET"):
            self.advance()
            tok = self.tok
            query.offset = self.integer()
            if query.offset > SOQL.max_offset:
                raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {SOQL.max_offset}",
                                column=tok.pos + 1)
        if self.tok.kind is not TokenKind.EOF:
            raise unexpected_token(self.text, self.tokens, self.tok)
        if any(item.aggregate and item.path is None for item in select) and len(select) > 1:
            raise unexpected_token(self.text, self.tokens, self.tokens[0])
        return query

    def integer(self) -> int:
        tok = self.tok
        if tok.kind is not TokenKind.NUMBER or not isinstance(tok.value, int):
            raise unexpected_token(self.text, self.tokens, self.tok)
        self.advance()
        return tok.value

    def select_item(self) -> SelectItem:
        tok = self.tok
        if tok.is_keyword("COUNT") and self.tokens[self.i + 1].text == "(":
            self.advance()
            self.expect_punct("(")
            path = None if self.at_punct(")") else self.path()
            self.expect_punct(")")
            alias = None
            if self.tok.kind is TokenKind.IDENT and self.tok.text.upper() not in KEYWORDS:
                alias = self.advance().text
            return SelectItem(path, "COUNT", alias, tok.pos)
        if tok.is_keyword("FIELDS") and self.tokens[self.i + 1].text == "(":
            self.advance()
            self.expect_punct("(")
            kind = self.tok
            if not kind.is_keyword(*FieldsMacro.__members__):
                raise unexpected_token(self.text, self.tokens, self.tok)
            self.advance()
            self.expect_punct(")")
            return SelectItem(None, None, None, tok.pos, FieldsMacro(kind.text.upper()))
        path = self.path()
        return SelectItem(path, None, None, path.pos)

    def path(self) -> Path:
        first = self.name()
        parts = [first.text]
        while self.at_punct("."):
            self.advance()
            parts.append(self.name().text)
        return Path(tuple(parts), first.pos)

    def condition(self) -> Condition:
        # SOQL refuses AND and OR side by side without parentheses: one connective per level.
        first = self.unary()
        if not (self.tok.is_keyword("AND") or self.tok.is_keyword("OR")):
            return first
        connective = self.tok.text.upper()
        operands = [first]
        while self.tok.is_keyword("AND", "OR"):
            if self.tok.text.upper() != connective:
                raise unexpected_token(self.text, self.tokens, self.tok)
            self.advance()
            operands.append(self.unary())
        return Logical(connective, tuple(operands))

    def unary(self) -> Condition:
        if self.tok.is_keyword("NOT"):
            self.advance()
            return Not(self.unary())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        path = self.path()
        tok = self.tok
        if tok.kind is TokenKind.PUNCT and tok.text in _COMPARISON_OPS:
            self.advance()
            return Comparison(path, _COMPARISON_OPS[tok.text], self.literal())
        if tok.is_keyword("LIKE"):
            self.advance()
            return Comparison(path, Op.LIKE, self.literal())
        if tok.is_keyword("IN"):
            self.advance()
            return Comparison(path, Op.IN, self.literal_list())
        if tok.is_keyword("NOT"):
            self.advance()
            self.expect_keyword("IN")
            return Comparison(path, Op.NOT_IN, self.literal_list())
        raise unexpected_token(self.text, self.tokens, self.tok)

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        values = self.comma_separated(self.literal)
        self.expect_punct(")")
        return tuple(values)

    def literal(self) -> Literal:
        tok = self.tok
        kind = _LITERAL_KINDS.get(tok.kind)
        if kind is not None:
            self.advance()
            return Literal(kind, tok.value, tok.text, tok.pos)
        if tok.kind is TokenKind.PUNCT and tok.text == "-" and self.tokens[self.i + 1].kind is TokenKind.NUMBER \
                and self.tokens[self.i + 1].pos == tok.end:
            self.advance()
            num = self.advance()
            return Literal(LiteralKind.NUMBER, -num.value, "-" + num.text, tok.pos)
        if tok.is_keyword("NULL"):
            self.advance()
            return Literal(LiteralKind.NULL, None, tok.text, tok.pos)
        if tok.is_keyword("TRUE", "FALSE"):
            self.advance()
            return Literal(LiteralKind.BOOLEAN, tok.text.upper() == "TRUE", tok.text, tok.pos)
        if tok.kind is TokenKind.IDENT and tok.text.upper() in _DATE_KEYWORDS:
            self.advance()
            return Literal(LiteralKind.DATE_LITERAL, tok.text.upper(), tok.text, tok.pos)
        raise unexpected_token(self.text, self.tokens, self.tok)

    def order_item(self) -> OrderItem:
        path = self.path()
        descending = False
        if self.tok.is_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_last = False
        if self.tok.is_keyword("NULLS"):
            self.advance()
            if not self.tok.is_keyword("FIRST", "LAST"):
                raise unexpected_token(self.text, self.tokens, self.tok)
            nulls_last = self.advance().text.upper() == "LAST"
        return OrderItem(path, descending, nulls_last)


def parse(text: str) -> Query:
    """Parse SOQL text; raises `SoqlError` (MALFORMED_QUERY, ...) for what the platform would refuse to parse."""
    if not isinstance(text, str) or not text.strip():
        # inferred: an empty q gives the parser's end-of-input complaint
        raise SoqlError("MALFORMED_QUERY", "unexpected token: '<EOF>'")
    return _Parser(text).query()


# -- binding names to the source --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Hop:
    """One parent relationship step, e.g. Owner via OwnerId."""

    field_name: str  # the reference field, canonical (OwnerId)
    name: str  # the relationship name, canonical (Owner)
    targets: tuple[str, ...]  # sObject types it may point at

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) != 1


@dataclass(frozen=True)
class _Resolved:
    hops: tuple[_Hop, ...]
    name: str  # canonical final field name
    type: str  # describe type of the final field


def _relationship_field(source: Any, sobject: str, name: str) -> Any | None:
    """The reference field behind relationship `name` (Owner -> OwnerId, Foo__r -> Foo__c)."""
    candidates = [name[:-3] + "__c"] if name.lower().endswith("__r") else [name + "Id", name]
    for candidate in candidates:
        info = source.field(sobject, candidate)
        if info is not None and info.relationship_name and info.relationship_name.lower() == name.lower():
            return info
    return None


class _Binder:
    def __init__(self, query: Query, source: Any) -> None:
        self.query = query
        self.source = source
        name = source.sobject_name(query.sobject)
        if name is None:
            raise positioned_error("INVALID_TYPE", query.text, query.sobject_pos,
                                   NOT_SUPPORTED.format(name=query.sobject), query.tokens)
        self.sobject: str = name
        self._cache: dict[tuple[str, ...], _Resolved] = {}
        self._items: list[SelectItem] | None = None

    def items(self) -> list[SelectItem]:
        """The SELECT list with FIELDS(...) expanded to the object's fields."""
        if self._items is None:
            out: list[SelectItem] = []
            for item in self.query.select:
                if item.fields is None:
                    out.append(item)
                    continue
                names = getattr(self.source, "field_names", None)
                if not callable(names):
                    raise positioned_error("MALFORMED_QUERY", self.query.text, item.pos,
                                           "unexpected token: 'FIELDS'", self.query.tokens)
                for field_name in names(self.sobject):
                    custom = field_name.lower().endswith("__c")
                    if item.fields is FieldsMacro.ALL or (item.fields is FieldsMacro.CUSTOM) == custom:
                        out.append(SelectItem(Path((field_name,), item.pos), None, None, item.pos))
            self._items = out
        return self._items

    def resolve(self, path: Path) -> _Resolved:
        cached = self._cache.get(path.parts)
        if cached is not None:
            return cached
        parts = list(path.parts)
        # `SELECT Account.Name FROM Account` may qualify a field with the queried object's own name
        if len(parts) > 1 and parts[0].lower() == self.sobject.lower() \
                and _relationship_field(self.source, self.sobject, parts[0]) is None:
            parts = parts[1:]
        sobject: str | None = self.sobject
        hops: list[_Hop] = []
        for part in parts[:-1]:
            if sobject is None:  # past a polymorphic hop only the Name fields are reachable
                raise invalid_field(self.query.text, self.query.tokens, path.pos, NO_SUCH_RELATIONSHIP.format(name=part))
            info = _relationship_field(self.source, sobject, part)
            if info is None:
                raise invalid_field(self.query.text, self.query.tokens, path.pos, NO_SUCH_RELATIONSHIP.format(name=part))
            targets = tuple(self.source.sobject_name(t) or t for t in (info.reference_to or []))
            hop = _Hop(info.name, info.relationship_name, targets)
            hops.append(hop)
            sobject = targets[0] if not hop.polymorphic else None
        last = parts[-1]
        if sobject is None:
            canonical = next((n for n in NAME_OBJECT_FIELDS if n.lower() == last.lower()), None)
            if canonical is None:
                raise invalid_field(self.query.text, self.query.tokens, path.pos, NO_SUCH_COLUMN.format(field=last, entity="Name"))
            resolved = _Resolved(tuple(hops), canonical, NAME_OBJECT_FIELDS[canonical])
        else:
            info = self.source.field(sobject, last)
            if info is None:
                raise invalid_field(self.query.text, self.query.tokens, path.pos, NO_SUCH_COLUMN.format(field=last, entity=sobject))
            resolved = _Resolved(tuple(hops), info.name, info.type)
        self._cache[path.parts] = resolved
        return resolved

    def check(self) -> None:
        """Resolve every name and type-check every filter value, as the platform does before running."""
        for item in self.query.select:
            unbounded = self.query.limit is None or self.query.limit > SOQL.fields_limit
            if item.fields in (FieldsMacro.ALL, FieldsMacro.CUSTOM) and unbounded:
                raise positioned_error("MALFORMED_QUERY", self.query.text, item.pos,
                                       f"The SOQL FIELDS function must have a LIMIT of at most {SOQL.fields_limit}",
                                       self.query.tokens)
        seen: set[str] = set()
        for item in self.items():
            if item.path is None:
                continue
            resolved = self.resolve(item.path)
            if item.aggregate:
                continue
            key = ".".join([h.name for h in resolved.hops] + [resolved.name]).lower()
            if key in seen:
                # inferred error code; the message is the platform's
                raise positioned_error("INVALID_FIELD", self.query.text, item.pos,
                                       f"duplicate field selected: {item.path.text}", self.query.tokens)
            seen.add(key)
        if self.query.is_aggregate and any(item.aggregate is None for item in self.query.select):
            plain = next(item for item in self.query.select if item.aggregate is None)
            raise positioned_error("MALFORMED_QUERY", self.query.text, plain.pos,
                                   f"Field must be grouped or aggregated: {plain.path.text if plain.path else ''}",
                                   self.query.tokens)
        if self.query.where is not None:
            self._check_condition(self.query.where)
        for order in self.query.order_by:
            self.resolve(order.path)

    def _check_condition(self, cond: Condition) -> None:
        if isinstance(cond, Logical):
            for operand in cond.operands:
                self._check_condition(operand)
            return
        if isinstance(cond, Not):
            self._check_condition(cond.operand)
            return
        resolved = self.resolve(cond.path)
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        for value in values:
            self._check_value(cond, resolved, value)

    def _check_value(self, cond: Comparison, resolved: _Resolved, lit: Literal) -> None:
        ftype = resolved.type
        name = resolved.name
        if cond.op is Op.LIKE:
            if ftype not in STRING_TYPES:
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"invalid operator on {ftype} field")  # inferred wording
            if lit.kind is not LiteralKind.STRING:
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type "
                                               "string and should be enclosed in quotes")
            return
        if lit.kind is LiteralKind.NULL:
            return
        if ftype == "boolean" and cond.op in (Op.LT, Op.GT, Op.LE, Op.GE):
            raise filter_error(self.query.text, self.query.tokens, cond.path.pos, "invalid operator on boolean field")  # inferred wording
        quoted = lit.kind is LiteralKind.STRING
        if ftype in ID_TYPES:
            if not quoted:
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type id "
                                               "and should be enclosed in quotes")
            if lit.value != "":  # inferred: an empty id matches nothing rather than failing
                try:
                    sf_to18(lit.value)
                except ValueError:
                    raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"invalid ID field: {lit.value}") from None
        elif ftype in STRING_TYPES:
            if not quoted:
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type "
                                               "string and should be enclosed in quotes")
        elif ftype == "boolean":
            if lit.kind is not LiteralKind.BOOLEAN:
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type "
                                               "boolean and should not be enclosed in quotes")
        elif ftype in NUMBER_TYPES:
            if lit.kind is not LiteralKind.NUMBER:
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type "
                                               f"{ftype} and should not be enclosed in quotes")
        elif ftype in DATETIME_TYPES:
            if lit.kind not in (LiteralKind.DATETIME, LiteralKind.DATE_LITERAL):
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type "
                                               "dateTime and should not be enclosed in quotes")
        elif ftype in DATE_TYPES:
            if lit.kind not in (LiteralKind.DATE, LiteralKind.DATE_LITERAL):
                raise filter_error(self.query.text, self.query.tokens, cond.path.pos, f"value of filter criterion for field '{name}' must be of type "
                                               "date and should not be enclosed in quotes")


# -- evaluation ------------------------------------------------------------------------------------------

def _to_datetime(value: Any) -> datetime | None:
    """A stored datetime (`2024-05-01T10:00:00.000+0000`, ISO with Z, or epoch seconds) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        elif len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
            text = text[:-2] + ":" + text[-2:]
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _to_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _like(pattern: str, value: str) -> bool:
    """SOQL LIKE: `%` any run, `_` one character, `\\%` / `\\_` literal; case-insensitive."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "%_":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.fullmatch("".join(out), value, re.IGNORECASE | re.DOTALL) is not None


class _Evaluator:
    def __init__(self, binder: _Binder, now: float | None) -> None:
        self.binder = binder
        self.source = binder.source
        self._now = now
        self._types: dict[str, str | None] = {}

    # -- reading values through relationships --
    def type_of(self, record_id: str, hop: _Hop) -> str | None:
        if record_id in self._types:
            return self._types[record_id]
        found: str | None = None
        locate = getattr(self.source, "sobject_of", None)
        if callable(locate):
            found = locate(record_id)
        if found is None and len(hop.targets) == 1:
            found = hop.targets[0]
        if found is None:
            target = self.source.get(record_id)
            attrs = target.get("attributes") if isinstance(target, dict) else None
            if isinstance(attrs, dict) and attrs.get("type"):
                found = attrs["type"]
            else:
                for candidate in hop.targets:
                    if any(r.get("Id") == record_id for r in self.source.records(candidate, False)):
                        found = candidate
                        break
        self._types[record_id] = found
        return found

    def parent(self, record: dict[str, Any] | None, hop: _Hop) -> dict[str, Any] | None:
        if record is None:
            return None
        ref = record.get(hop.field_name)
        if not ref:
            return None
        return self.source.get(ref)

    def value(self, record: dict[str, Any], resolved: _Resolved) -> Any:
        current: dict[str, Any] | None = record
        last_hop: _Hop | None = None
        for hop in resolved.hops:
            current = self.parent(current, hop)
            last_hop = hop
            if current is None:
                return None
        if last_hop is not None and last_hop.polymorphic and resolved.name == "Type" and "Type" not in current:
            return self.type_of(current["Id"], last_hop)
        return current.get(resolved.name)

    # -- WHERE --
    def today(self) -> date:
        now = self._now
        if now is None:
            clock = getattr(self.source, "now", None)
            now = clock() if callable(clock) else datetime.now(UTC).timestamp()
        return datetime.fromtimestamp(now, tz=UTC).date()

    def test(self, cond: Condition, record: dict[str, Any]) -> bool:
        if isinstance(cond, Logical):
            if cond.op == "AND":
                return all(self.test(c, record) for c in cond.operands)
            return any(self.test(c, record) for c in cond.operands)
        if isinstance(cond, Not):
            return not self.test(cond.operand, record)
        resolved = self.binder.resolve(cond.path)
        actual = self.value(record, resolved)
        if cond.op is Op.IN:
            return any(self.compare(Op.EQ, actual, lit, resolved.type) for lit in cond.value)  # type: ignore[union-attr]
        if cond.op is Op.NOT_IN:
            return not any(self.compare(Op.EQ, actual, lit, resolved.type) for lit in cond.value)  # type: ignore[union-attr]
        return self.compare(cond.op, actual, cond.value, resolved.type)  # type: ignore[arg-type]

    def compare(self, op: Op, actual: Any, lit: Literal, ftype: str) -> bool:
        if lit.kind is LiteralKind.NULL:
            if op is Op.EQ:
                return actual is None
            if op is Op.NE:
                return actual is not None
            return False
        if op is Op.LIKE:
            return isinstance(actual, str) and _like(lit.value, actual)
        if lit.kind is LiteralKind.DATE_LITERAL:
            return self.compare_range(op, actual, ftype, lit.value)
        if actual is None:
            # SOQL treats null as a value: `!=` matches it, ordering operators never do
            return op is Op.NE
        left, right = self.normalize(actual, lit, ftype)
        if left is None or right is None:
            return op is Op.NE
        try:
            return _apply(op, left, right)
        except TypeError:
            return False

    def normalize(self, actual: Any, lit: Literal, ftype: str) -> tuple[Any, Any]:
        if ftype in ID_TYPES:
            if lit.value == "":
                return actual, None
            try:
                return sf_to18(str(actual)), sf_to18(lit.value)
            except ValueError:
                return None, None
        if ftype in STRING_TYPES:
            return str(actual).casefold(), str(lit.value).casefold()
        if ftype == "boolean":
            return bool(actual), bool(lit.value)
        if ftype in NUMBER_TYPES:
            try:
                return float(actual), float(lit.value)
            except (TypeError, ValueError):
                return None, None
        if ftype in DATETIME_TYPES:
            right = lit.value if isinstance(lit.value, datetime) else _to_datetime(lit.value)
            return _to_datetime(actual), right
        if ftype in DATE_TYPES:
            return _to_date(actual), _to_date(lit.value)
        if isinstance(actual, str) and isinstance(lit.value, str):
            return actual.casefold(), lit.value.casefold()
        return actual, lit.value

    def compare_range(self, op: Op, actual: Any, ftype: str, keyword: str) -> bool:
        """TODAY / YESTERDAY / TOMORROW name a whole day (UTC): `=` means within it."""
        if actual is None:
            return op is Op.NE
        day = self.today() + timedelta(days={"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}[keyword])
        if ftype in DATE_TYPES:
            value = _to_date(actual)
            start, end = day, day + timedelta(days=1)
        else:
            value = _to_datetime(actual)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            end = start + timedelta(days=1)
        if value is None:
            return op is Op.NE
        inside = start <= value < end
        return {Op.EQ: inside, Op.NE: not inside, Op.LT: value < start, Op.LE: value < end,
                Op.GT: value >= end, Op.GE: value >= start}.get(op, False)

    # -- ORDER BY --
    def sort(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        order = self.binder.query.order_by
        if not order:
            return records
        keys = [(self.binder.resolve(o.path), o) for o in order]

        def cmp(a: dict[str, Any], b: dict[str, Any]) -> int:
            for resolved, item in keys:
                va, vb = self.sort_value(a, resolved), self.sort_value(b, resolved)
                if va is None and vb is None:
                    continue
                if va is None or vb is None:
                    # nulls first unless NULLS LAST, whatever the direction
                    first_is_null = va is None
                    return (1 if item.nulls_last else -1) * (1 if first_is_null else -1)
                try:
                    result = (va > vb) - (va < vb)
                except TypeError:
                    result = (str(va) > str(vb)) - (str(va) < str(vb))
                if result:
                    return -result if item.descending else result
            return 0

        return sorted(records, key=functools.cmp_to_key(cmp))

    def sort_value(self, record: dict[str, Any], resolved: _Resolved) -> Any:
        value = self.value(record, resolved)
        if value is None:
            return None
        if resolved.type in DATETIME_TYPES:
            return _to_datetime(value)
        if resolved.type in DATE_TYPES:
            return _to_date(value)
        if isinstance(value, str):
            return value.casefold()  # sorting is case-insensitive
        return value

    # -- output --
    def shape(self, record: dict[str, Any], sobject: str, api_version: str) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": record_attributes(sobject, record.get("Id"), api_version)}
        for item in self.binder.items():
            if item.path is None:
                continue
            resolved = self.binder.resolve(item.path)
            self._put(out, record, list(resolved.hops), resolved, api_version)
        return out

    def _put(self, out: dict[str, Any], record: dict[str, Any], hops: list[_Hop], resolved: _Resolved,
             api_version: str) -> None:
        if not hops:
            if resolved.name == "Type" and resolved.name not in record and resolved.hops \
                    and resolved.hops[-1].polymorphic:
                out[resolved.name] = self.type_of(record["Id"], resolved.hops[-1])
            else:
                out[resolved.name] = record.get(resolved.name)
            return
        hop = hops[0]
        parent = self.parent(record, hop)
        if parent is None:
            out.setdefault(hop.name, None)
            return
        nested = out.get(hop.name)
        if nested is None:
            real_type = self.type_of(parent["Id"], hop) or (hop.targets[0] if hop.targets else "Name")
            attrs = record_attributes(real_type, parent.get("Id"), api_version)
            if hop.polymorphic:
                attrs["type"] = "Name"  # inferred: polymorphic parents come back as the Name pseudo-object
            nested = {"attributes": attrs}
            out[hop.name] = nested
        self._put(nested, parent, hops[1:], resolved, api_version)


def _apply(op: Op, left: Any, right: Any) -> bool:
    if op is Op.EQ:
        return left == right
    if op is Op.NE:
        return left != right
    if op is Op.LT:
        return left < right
    if op is Op.GT:
        return left > right
    if op is Op.LE:
        return left <= right
    if op is Op.GE:
        return left >= right
    return False


def record_attributes(sobject: str, record_id: str | None, api_version: str) -> dict[str, Any]:
    """The `attributes` of a record in a REST body: its type and URL."""
    return {"type": sobject, "url": f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"}


# -- entry points ----------------------------------------------------------------------------------------

def check(query: Query, source: Any) -> str:
    """Resolve and type-check `query` against `source`; returns the canonical sObject name."""
    binder = _Binder(query, source)
    binder.check()
    return binder.sobject


def _selected(query: Query, source: Any, include_deleted: bool, now: float | None) -> tuple[_Evaluator, list[dict]]:
    binder = _Binder(query, source)
    binder.check()
    ev = _Evaluator(binder, now)
    rows = [r for r in source.records(binder.sobject, include_deleted)
            if query.where is None or ev.test(query.where, r)]
    return ev, rows


def execute(query: Query, source: Any, include_deleted: bool = False, api_version: str = DEFAULT_API_VERSION,
            now: float | None = None) -> list[dict[str, Any]]:
    """Every matching record in REST shape (`attributes` first, then the fields in SELECT order),
    after ORDER BY, OFFSET and LIMIT. `COUNT()` answers [] (see `count`); `COUNT(field)` answers one
    `AggregateResult`. Raises `SoqlError`."""
    ev, rows = _selected(query, source, include_deleted, now)
    if query.is_count:
        return []
    if query.is_aggregate:
        result: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        for n, item in enumerate(query.select):
            total = len(rows) if item.path is None else sum(
                1 for r in rows if ev.value(r, ev.binder.resolve(item.path)) is not None)
            result[item.alias or f"expr{n}"] = total
        return [result]
    rows = ev.sort(rows)
    start = query.offset or 0
    rows = rows[start:]
    if query.limit is not None:
        rows = rows[:query.limit]
    return [ev.shape(r, ev.binder.sobject, api_version) for r in rows]


def count(query: Query, source: Any, include_deleted: bool = False, now: float | None = None) -> int:
    """The `totalSize` of a query: matching records after OFFSET and LIMIT (1 for an aggregate query)."""
    _, rows = _selected(query, source, include_deleted, now)
    if query.is_aggregate:
        return 1
    total = max(0, len(rows) - (query.offset or 0))
    return total if query.limit is None else min(total, query.limit)


def matches(query: Query, record: dict[str, Any], source: Any, now: float | None = None) -> bool:
    """Whether `record` (of the query's sObject) passes the WHERE clause, for PushTopic notifications."""
    binder = _Binder(query, source)
    if query.where is None:
        return True
    return _Evaluator(binder, now).test(query.where, record)
